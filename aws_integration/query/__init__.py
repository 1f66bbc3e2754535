"""The query language over the stored graph: ``FIND aws_instance WITH tag.Environment = 'staging'``.

:func:`parse_query` turns text into a :class:`~aws_integration.query.ast.Query` (or a
:class:`QuerySyntaxError` naming the position and what was expected);
:func:`compile_query` turns that into one SQL statement on the SQLite store, so
filtering, traversal, counting and limits run in SQLite, not in Python.
"""

from aws_integration.query.ast import Query
from aws_integration.query.parser import QuerySyntaxError, parse_query
from aws_integration.query.sql import CompiledQuery, QueryError, compile_query

__all__ = ["CompiledQuery", "Query", "QueryError", "QuerySyntaxError", "compile_query", "parse_query"]
