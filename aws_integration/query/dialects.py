"""How a compiled query reads JSON properties, in SQLite and in PostgreSQL.

The compiler (:mod:`~aws_integration.query.sql`) decides what a query means; a dialect
spells the few things the two databases say differently: reading a property of the
JSON text ``properties`` as a typed value, walking a list, quoting a value as JSON,
sorting values of mixed types (numbers before text, as SQLite orders them), and the
regular expression operator. The answers are the same on both; the tests run every
query on both.

Kinds are named as SQLite's ``json_type`` names them: ``integer``/``real`` (numbers),
``text``, ``true``, ``false``; PostgreSQL reads its own types into these names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from aws_integration.store.database import POSTGRESQL
from aws_integration.store.tables import ENTITIES, RELATIONSHIPS

Test = Callable[[str], str]  # SQL true when the SQL value given satisfies a comparison

NUMBER_KINDS = ("integer", "real")


class QueryDialect(ABC):
    """The spellings a compiled query needs beyond standard SQL."""

    name: str
    regexp: str  # the operator: ``value <regexp> pattern``
    no_limit: str  # LIMIT with no limit (an OFFSET alone)
    groups_returned: bool  # whether GROUP BY must name the returned columns too, not only what they sort by

    @abstractmethod
    def key(self, name: str) -> str:
        """What is bound as the parameter naming property ``name``."""

    @abstractmethod
    def absent(self, table: str, key: str) -> str:
        """SQL true when the property is absent or null."""

    @abstractmethod
    def present(self, table: str, key: str) -> str:
        """SQL true when the row has the property (null included)."""

    @abstractmethod
    def typed_test(self, table: str, key: str, kinds: tuple[str, ...], test: Test, read: Test) -> str:
        """SQL true when the property is a scalar of one of ``kinds`` whose value, through ``read``, passes ``test``,
        or a list holding such an item; never NULL."""

    @abstractmethod
    def values(self, table: str, key: str) -> str:
        """A row source of ``(value, kind)`` for a property: a row for a scalar, one per item of a list (numbers
        are of kind ``number``); columns of it are read with :meth:`value_of`."""

    @abstractmethod
    def column_values(self, table: str, column: str) -> str:
        """The same row source for a column that always holds text (``key``, ``type``...)."""

    @abstractmethod
    def class_values(self, table: str) -> str:
        """The same row source for the classes of an entity."""

    @abstractmethod
    def value_of(self, alias: str, kind: str) -> str:
        """SQL reading a row of :meth:`values` aliased ``alias`` as a value of ``kind`` (``number`` or ``text``)."""

    @abstractmethod
    def instant(self, text: str) -> str:
        """The epoch milliseconds of an ISO date text, NULL when it is none."""

    @abstractmethod
    def property_json(self, table: str, key: str) -> str:
        """The JSON text of a property's value (absent: NULL)."""

    @abstractmethod
    def quote(self, expression: str) -> str:
        """The JSON text of an SQL value (text, number, NULL)."""

    @abstractmethod
    def sort_keys(self, table: str, key: str) -> list[str]:
        """What a property sorts by: numbers (and booleans) as numbers first, then text."""

    @abstractmethod
    def aggregate_value(self, table: str, key: str, numeric: bool) -> str:
        """A property as an aggregate's argument: numbers (and, unless ``numeric``, text), else NULL."""

    @abstractmethod
    def extreme(self, function: str, value: str) -> str:
        """``MIN``/``MAX`` over what :meth:`aggregate_value` reads (numbers before text)."""

    @abstractmethod
    def distinct_total(self, function: str, identity: str, value: str) -> str:
        """``SUM``/``AVG`` of ``value`` counting each ``identity`` once."""

    @abstractmethod
    def identity(self, table: str) -> str:
        """One value per stored record (source and key)."""

    @abstractmethod
    def keys_in(self, parameter: str) -> str:
        """A SELECT of the text items of a JSON list parameter."""

    @abstractmethod
    def stored_classes(self) -> str:
        """A SELECT of every class any stored entity has, each once."""

    @abstractmethod
    def find(self, haystack: str, needle: str) -> str:
        """Where ``needle`` starts in ``haystack`` (1 for the start; 0 when it is not found)."""

    @abstractmethod
    def compare(self, operator: str, left: str, right: str) -> str:
        """SQL true when two rows of :meth:`values` (aliases ``left`` and ``right``), of one kind, compare so."""

    @abstractmethod
    def class_test(self, table: str, test: Test) -> str:
        """SQL true when one of the entity's classes passes ``test``."""

    @abstractmethod
    def entity_record(self, table: str) -> str:
        """The JSON text of an entities row's flat record."""

    @abstractmethod
    def relationship_record(self, table: str) -> str:
        """The JSON text of a relationships row's flat record."""

    @abstractmethod
    def aggregate_result(self, expression: str) -> str:
        """An aggregate as the answer holds it (and sorts it)."""

    @abstractmethod
    def aggregate_sort_keys(self, expression: str) -> list[str]:
        """What an aggregate's result sorts by (numbers before text)."""


class SqliteQuery(QueryDialect):
    """SQLite's JSON functions; ``REGEXP`` is the store's Python function."""

    name = "sqlite"
    regexp = "REGEXP"
    no_limit = "-1"
    groups_returned = False

    def key(self, name: str) -> str:
        return f'$."{name}"'

    def absent(self, table: str, key: str) -> str:
        return f"COALESCE(json_type({table}.properties, {key}), 'null') = 'null'"

    def present(self, table: str, key: str) -> str:
        return f"json_type({table}.properties, {key}) IS NOT NULL"

    def typed_test(self, table: str, key: str, kinds: tuple[str, ...], test: Test, read: Test) -> str:
        column = f"{table}.properties"
        types = ", ".join(f"'{kind}'" for kind in kinds)
        # The value first: most rows fail it, and then the type is never read.
        scalar = f"{test(read(f'json_extract({column}, {key})'))} AND json_type({column}, {key}) IN ({types})"
        array = (f"json_type({column}, {key}) = 'array' AND EXISTS (SELECT 1 FROM json_each({column}, {key}) j "
                 f"WHERE j.type IN ({types}) AND {test(read('j.value'))})")
        return f"COALESCE(({scalar}) OR ({array}), FALSE)"

    def values(self, table: str, key: str) -> str:
        column = f"{table}.properties"
        return (f"(SELECT value, CASE WHEN type IN ('integer', 'real') THEN 'number' ELSE type END AS kind "
                f"FROM json_each({column}, {key}) WHERE type NOT IN ('null', 'object', 'array') "
                f"AND json_type({column}, {key}) != 'object')")

    def column_values(self, table: str, column: str) -> str:
        return f"(SELECT {table}.{column} AS value, 'text' AS kind WHERE {table}.key IS NOT NULL)"

    def class_values(self, table: str) -> str:
        return f"(SELECT value, 'text' AS kind FROM json_each({table}.classes))"

    def value_of(self, alias: str, kind: str) -> str:
        return f"{alias}.value"

    def instant(self, text: str) -> str:
        return f"CAST(round((julianday({text}) - 2440587.5) * 86400000.0) AS INTEGER)"

    def property_json(self, table: str, key: str) -> str:
        # ``->`` gives the value's own JSON text: true stays true (json_extract would give 1).
        return f"({table}.properties -> {key})"

    def quote(self, expression: str) -> str:
        return f"json_quote({expression})"

    def sort_keys(self, table: str, key: str) -> list[str]:
        return [f"json_extract({table}.properties, {key})"]

    def aggregate_value(self, table: str, key: str, numeric: bool) -> str:
        column = f"{table}.properties"
        kinds = "'integer', 'real'" if numeric else "'integer', 'real', 'text'"
        return f"(CASE WHEN json_type({column}, {key}) IN ({kinds}) THEN json_extract({column}, {key}) END)"

    def extreme(self, function: str, value: str) -> str:
        return f"{function}({value})"

    def distinct_total(self, function: str, identity: str, value: str) -> str:
        return (f"(SELECT {function}(json_extract(j.value, '$[1]')) "
                f"FROM json_each(json_group_array(DISTINCT json_array({identity}, {value}))) j)")

    def identity(self, table: str) -> str:
        return f"{table}.source || char(0) || {table}.key"

    def keys_in(self, parameter: str) -> str:
        return f"SELECT value FROM json_each({parameter})"

    def stored_classes(self) -> str:
        return "SELECT DISTINCT c.value FROM entities, json_each(entities.classes) c"

    def find(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle})"

    def compare(self, operator: str, left: str, right: str) -> str:
        return f"{left}.value {operator} {right}.value"

    def class_test(self, table: str, test: Test) -> str:
        return f"EXISTS (SELECT 1 FROM json_each({table}.classes) c WHERE {test('c.value')})"

    def entity_record(self, table: str) -> str:
        return (f"json_patch(json_object('_key', {table}.key, '_type', {table}.type, '_class', json({table}.classes), "
                f"'displayName', {table}.display_name), {table}.properties)")

    def relationship_record(self, table: str) -> str:
        return (f"json_patch(json_object('_key', {table}.key, '_type', {table}.type, '_class', {table}.verb, "
                f"'_fromEntityKey', {table}.from_key, '_toEntityKey', {table}.to_key, 'displayName', {table}.verb), "
                f"{table}.properties)")

    def aggregate_result(self, expression: str) -> str:
        return expression

    def aggregate_sort_keys(self, expression: str) -> list[str]:
        return [expression]


class PostgresQuery(QueryDialect):
    """PostgreSQL's JSONB: the properties' text read as ``jsonb``, typed by ``jsonb_typeof``; ``~`` for patterns."""

    name = "postgresql"
    regexp = "~"
    no_limit = "ALL"
    groups_returned = True

    @staticmethod
    def _property(table: str, key: str) -> str:
        return f"(CAST({table}.properties AS jsonb) -> {key})"

    @staticmethod
    def _kind(value: str) -> str:
        """SQLite's name for the JSON type of the jsonb ``value`` (numbers are ``integer``)."""
        return (f"(CASE jsonb_typeof({value}) WHEN 'number' THEN 'integer' WHEN 'string' THEN 'text' "
                f"WHEN 'boolean' THEN ({value} #>> '{{}}') ELSE jsonb_typeof({value}) END)")

    @staticmethod
    def _read(value: str, kinds: tuple[str, ...]) -> str:
        """The SQL value of a jsonb scalar of ``kinds`` (numbers as numeric, text as text); NULL for other types."""
        if set(kinds) <= set(NUMBER_KINDS):
            return f"(CASE WHEN jsonb_typeof({value}) = 'number' THEN CAST({value} #>> '{{}}' AS numeric) END)"
        if kinds == ("text",):
            return f"(CASE WHEN jsonb_typeof({value}) = 'string' THEN ({value} #>> '{{}}') COLLATE \"C\" END)"
        return f"(CASE WHEN jsonb_typeof({value}) = 'boolean' THEN {value} #>> '{{}}' END)"

    def key(self, name: str) -> str:
        return name

    def absent(self, table: str, key: str) -> str:
        return f"COALESCE(jsonb_typeof({self._property(table, key)}), 'null') = 'null'"

    def present(self, table: str, key: str) -> str:
        return f"{self._property(table, key)} IS NOT NULL"

    def typed_test(self, table: str, key: str, kinds: tuple[str, ...], test: Test, read: Test) -> str:
        value = self._property(table, key)
        wanted = ", ".join(f"'{'integer' if kind in NUMBER_KINDS else kind}'" for kind in kinds)
        scalar = f"{self._kind(value)} IN ({wanted}) AND {test(read(self._read(value, kinds)))}"
        item = self._read("j.value", kinds)
        array = (f"jsonb_typeof({value}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements({value}) AS j (value) "
                 f"WHERE {self._kind('j.value')} IN ({wanted}) AND {test(read(item))})")
        return f"COALESCE(({scalar}) OR ({array}), FALSE)"

    def values(self, table: str, key: str) -> str:
        value = self._property(table, key)
        items = (f"(CASE jsonb_typeof({value}) WHEN 'array' THEN {value} ELSE jsonb_build_array({value}) END)")
        kind = self._kind("j.value")
        return (f"(SELECT CASE {kind} WHEN 'integer' THEN 'number' ELSE {kind} END AS kind, j.value AS json "
                f"FROM jsonb_array_elements({items}) AS j (value) "
                f"WHERE {value} IS NOT NULL AND jsonb_typeof(j.value) NOT IN ('null', 'object', 'array'))")

    def column_values(self, table: str, column: str) -> str:
        return f"(SELECT 'text' AS kind, to_jsonb({table}.{column}) AS json WHERE {table}.key IS NOT NULL)"

    def class_values(self, table: str) -> str:
        return f"(SELECT 'text' AS kind, c.value AS json FROM jsonb_array_elements(CAST({table}.classes AS jsonb)) AS c (value))"

    def value_of(self, alias: str, kind: str) -> str:
        if kind == "number":
            return f"(CASE WHEN {alias}.kind = 'number' THEN CAST({alias}.json #>> '{{}}' AS numeric) END)"
        return f"(({alias}.json #>> '{{}}') COLLATE \"C\")"

    def instant(self, text: str) -> str:
        return f"epoch_millis({text})"

    def property_json(self, table: str, key: str) -> str:
        # ``json`` (not ``jsonb``) keeps the value's own text: its keys in their order.
        return f"CAST(CAST({table}.properties AS json) -> {key} AS text)"

    def quote(self, expression: str) -> str:
        return f"CAST(to_json({expression}) AS text)"

    def sort_keys(self, table: str, key: str) -> list[str]:
        value = self._property(table, key)
        number = (f"(CASE jsonb_typeof({value}) WHEN 'number' THEN CAST({value} #>> '{{}}' AS numeric) "
                  f"WHEN 'boolean' THEN CASE {value} #>> '{{}}' WHEN 'true' THEN 1 ELSE 0 END END)")
        text = (f"(CASE jsonb_typeof({value}) WHEN 'string' THEN ({value} #>> '{{}}') COLLATE \"C\" "
                f"WHEN 'array' THEN {self.property_json(table, key)} WHEN 'object' THEN {self.property_json(table, key)} END)")
        rank = f"(CASE WHEN {number} IS NOT NULL THEN 0 WHEN {text} IS NOT NULL THEN 1 END)"
        return [rank, number, text]

    def aggregate_value(self, table: str, key: str, numeric: bool) -> str:
        value = self._property(table, key)
        kinds = "'number'" if numeric else "'number', 'string'"
        return f"(CASE WHEN jsonb_typeof({value}) IN ({kinds}) THEN {value} END)"

    def extreme(self, function: str, value: str) -> str:
        numbers = f"{function}(CASE WHEN jsonb_typeof({value}) = 'number' THEN CAST({value} #>> '{{}}' AS numeric) END)"
        texts = f"{function}(CASE WHEN jsonb_typeof({value}) = 'string' THEN ({value} #>> '{{}}') COLLATE \"C\" END)"
        # SQLite orders numbers before text: the least is a number when there is one, the greatest a text.
        if function == "MIN":
            return f"COALESCE(to_jsonb({numbers}), to_jsonb({texts}))"
        return f"COALESCE(to_jsonb({texts}), to_jsonb({numbers}))"

    def distinct_total(self, function: str, identity: str, value: str) -> str:
        return (f"(SELECT {function}(CAST(j.pair ->> 1 AS numeric)) "
                f"FROM jsonb_array_elements(jsonb_agg(DISTINCT jsonb_build_array({identity}, {value}))) AS j (pair))")

    def identity(self, table: str) -> str:
        # NULL where an optional traversal found nothing, so COUNT leaves it out.
        return f"(CASE WHEN {table}.key IS NOT NULL THEN jsonb_build_array({table}.source, {table}.key) END)"

    def keys_in(self, parameter: str) -> str:
        return f"SELECT value FROM jsonb_array_elements_text(CAST({parameter} AS jsonb)) AS value"


    def stored_classes(self) -> str:
        return "SELECT DISTINCT c.value FROM entities, jsonb_array_elements_text(CAST(entities.classes AS jsonb)) AS c (value)"

    def find(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle})"

    def compare(self, operator: str, left: str, right: str) -> str:
        numbers = f"{self.value_of(left, 'number')} {operator} {self.value_of(right, 'number')}"
        texts = f"{self.value_of(left, 'text')} {operator} {self.value_of(right, 'text')}"
        return f"(CASE WHEN {left}.kind = 'number' THEN {numbers} ELSE {texts} END)"

    def class_test(self, table: str, test: Test) -> str:
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST({table}.classes AS jsonb)) AS c (value) "
                f"WHERE {test('c.value')})")

    # As SQLite's json_patch onto the reserved fields does: properties that are null are left out (at every
    # depth of an object), and the fields keep their order (``json``, not ``jsonb``).
    def entity_record(self, table: str) -> str:
        return f"CAST(json_strip_nulls(CAST({ENTITIES.record_sql(table, POSTGRESQL)} AS json)) AS text)"

    def relationship_record(self, table: str) -> str:
        return f"CAST(json_strip_nulls(CAST({RELATIONSHIPS.record_sql(table, POSTGRESQL)} AS json)) AS text)"

    def aggregate_result(self, expression: str) -> str:
        return f"to_jsonb({expression})"

    def aggregate_sort_keys(self, expression: str) -> list[str]:
        number = f"(CASE jsonb_typeof({expression}) WHEN 'number' THEN CAST({expression} #>> '{{}}' AS numeric) END)"
        text = f"(CASE jsonb_typeof({expression}) WHEN 'string' THEN ({expression} #>> '{{}}') COLLATE \"C\" END)"
        return [f"(CASE jsonb_typeof({expression}) WHEN 'number' THEN 0 WHEN 'string' THEN 1 END)", number, text]


SQLITE_QUERY = SqliteQuery()
POSTGRES_QUERY = PostgresQuery()
QUERY_DIALECTS = {dialect.name: dialect for dialect in (SQLITE_QUERY, POSTGRES_QUERY)}
