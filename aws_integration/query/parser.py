"""Tokenizer and recursive-descent parser of the query language.

Grammar (keywords in any case)::

    query     := FIND target [AS alias] [WITH condition] step* [WHERE condition] [RETURN (returns | TREE)] [ordering] paging
    target    := '*' | name | '(' name ('|' name)* ')'     -- lower case: a type; Capitalised: a class
    step      := traversal | '(' traversal+ ')' '?' [AS alias]       -- an optional group
    traversal := THAT ['!'] verbs ['>>' | '<<'] [AS alias] target [AS alias] [WITH condition]
    verbs     := VERB | '(' VERB ('|' VERB)* ')' | RELATES TO
    condition := term (OR term)*
    term      := factor (AND factor)*
    factor    := '(' condition ')' | property op value | property op '(' value ((OR|AND) value)* ')'
    op        := = | != | < | <= | > | >= | ~= | ^= | $= | !~= | !^= | !$=
    value     := 'text' | "text" | number | true | false | undefined | /regex/flags
               | date.now [(+|-) number unit]       -- unit: millisecond(s) ... year(s)
               | alias.property                     -- in WHERE: another node's or relationship's value
    returns   := item [AS name] (',' item [AS name])*
    item      := COUNT '(' alias ')' | (MIN|MAX|AVG|SUM) '(' alias '.' property ')'
               | alias '.' property | alias '.' '*' | alias
    ordering  := ORDER BY (item | name) [ASC|DESC] (',' ...)*   -- name: a RETURN column's
    paging    := [SKIP n] [LIMIT n]
    alias     := the name after AS, or the type or class of a node that has none (when only one node has it)

A value list compares with each value: ``= ('a' OR 'b')`` is ``= 'a' OR = 'b'``, and a
negated operator reads it as J1 does, by De Morgan: ``!= ('a' OR 'b')`` is neither.

A property is a dotted name (``tag.Environment``, ``tag.aws:cloudformation:stack-name``)
or, for keys with spaces or other characters, a name in backticks (`` `tag.Cost Center` ``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_integration.query.ast import (
    DATE_UNITS,
    BooleanOp,
    Comparison,
    Condition,
    Literal,
    Node,
    AGGREGATES,
    Direction,
    Operator,
    OptionalTraversals,
    Ordering,
    Pattern,
    PropertyRef,
    Query,
    RelativeDate,
    ReturnItem,
    Step,
    Target,
    Traversal,
    Undefined,
)

KEYWORDS = frozenset({"FIND", "AS", "WITH", "AND", "OR", "THAT", "WHERE", "RETURN", "COUNT", "LIMIT", "RELATES", "TO"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]*`)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<arrow>>>|<<)
  | (?P<operator>!~=|!\^=|!\$=|!=|<=|>=|~=|\^=|\$=|=|<|>)
  | (?P<regex>/(?:[^/\\\n]|\\.)+/[A-Za-z]*)
  | (?P<name>[A-Za-z_][\w.:/@-]*)
  | (?P<punct>[*(),|!+?-])
    """,
    re.VERBOSE,
)
MAX_NESTING = 100  # parentheses deep, in a WITH condition
REGEX_FLAGS = frozenset("ims")  # ignore case, multi-line, dot matches newlines
_OPERATORS = "=, !=, <, <=, >, >=, ~=, ^=, $=, !~=, !^=, !$="
_UNCLOSED = re.compile(r"""['"`]""")
# Characters of J1QL constructs this language refuses, and why.
_UNSUPPORTED = ((re.compile(r"\{\{"), "parameters ({{name}}) are not supported: write the value"),
                (re.compile(r"#[A-Za-z]"), "smart classes (#name) are not supported"))


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed: where, and what was expected there."""

    def __init__(self, query: str, position: int, message: str) -> None:
        self.query = query
        self.position = position
        super().__init__(f"{message} at position {position + 1}")

    def pointer(self) -> str:
        """The query with a caret under the problem, for terminals."""
        return f"{self.query}\n{' ' * self.position}^"


@dataclass(frozen=True)
class Token:
    """One lexical token."""

    kind: str  # string, quoted, number, operator, name, keyword, punct, end
    text: str
    position: int

    def describe(self) -> str:
        """How an error message names this token."""
        return "the end of the query" if self.kind == "end" else repr(self.text)


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens; unknown characters and unclosed quotes are errors."""
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            unsupported = next((why for pattern, why in _UNSUPPORTED if pattern.match(query, position)), None)
            if unsupported:
                raise QuerySyntaxError(query, position, unsupported)
            if _UNCLOSED.match(query, position):
                raise QuerySyntaxError(query, position, f"unclosed {query[position]} quote")
            raise QuerySyntaxError(query, position, f"unexpected character {query[position]!r}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind != "space":
            if kind == "name" and text.upper() in KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("end", "", len(query)))
    return tokens


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0
        self.aliases: list[str] = []
        self.ambiguous: set[str] = set()  # type or class names of several unaliased nodes
        self.columns: set[str] = set()  # RETURN ... AS names
        self.depth = 0  # parentheses open around the current condition
        self.qualified = False  # in WHERE, where a property is alias.property

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def error(self, expected: str, token: Token | None = None) -> QuerySyntaxError:
        token = token or self.current
        return QuerySyntaxError(self.query, token.position, f"expected {expected}, found {token.describe()}")

    def keyword(self, word: str) -> bool:
        if self.current.kind == "keyword" and self.current.text.upper() == word:
            self.index += 1
            return True
        return False

    def expect_keyword(self, word: str, expected: str) -> None:
        if not self.keyword(word):
            raise self.error(expected)

    def punct(self, symbol: str) -> bool:
        if self.current.kind == "punct" and self.current.text == symbol:
            self.index += 1
            return True
        return False

    # query := FIND target ...
    def parse(self) -> Query:
        self.expect_keyword("FIND", "FIND")
        if self.current.kind == "string":
            raise QuerySyntaxError(self.query, self.current.position, "full-text search (FIND 'text') is not supported: "
                                                                     "name an entity type, a class or *")
        first = self.node("an entity type, a class or * after FIND")
        steps: list[Step] = []
        while True:
            if self.keyword("THAT"):
                steps.append(self.traversal())
            elif self.at_optional():
                steps.append(self.optional())
            else:
                break
        where = None
        if self.keyword("WHERE"):
            self.qualified = True
            where = self.condition()
            self.qualified = False
        returns: tuple[ReturnItem, ...] = ()
        tree = False
        if self.keyword("RETURN"):
            if self.current.text.upper() == "TREE" and self.current.text not in self.aliases:
                self.advance()
                tree = True
            else:
                returns = self.returns()
                if self.current.text in ("+", "-", "*", "/") or (self.current.kind == "number" and self.current.text[0] == "-"):
                    raise QuerySyntaxError(self.query, self.current.position,
                                           f"arithmetic in RETURN ({self.current.text[0]}) is not supported")
        order = self.ordering(returns) if self.word("ORDER") else ()
        if self.current.kind == "keyword" and self.current.text.upper() == "RETURN" and order:
            raise QuerySyntaxError(self.query, self.current.position, "RETURN comes before ORDER BY")
        skip = self.count("SKIP", 0) if self.word("SKIP") else None
        limit = self.count("LIMIT", 1) if self.keyword("LIMIT") else None
        if self.current.kind != "end":
            raise self.error("THAT, WHERE, RETURN, ORDER BY, SKIP, LIMIT or the end of the query")
        if tree and order:
            raise QuerySyntaxError(self.query, order[0].position, "RETURN TREE gives a graph, which has no order")
        return Query(first, tuple(steps), returns, limit, where, order, skip, tree)

    def word(self, word: str) -> bool:
        """A word that is a keyword only here (ORDER, BY, SKIP, ASC, DESC), so it may still name a property."""
        if self.current.kind in ("name", "keyword") and self.current.text.upper() == word:
            self.index += 1
            return True
        return False

    def count(self, clause: str, least: int) -> int:
        """The whole number after SKIP or LIMIT."""
        token = self.advance()
        if token.kind != "number" or not token.text.isdigit() or int(token.text) < least:
            raise self.error(f"a whole number of at least {least} after {clause}", token)
        return int(token.text)

    def ordering(self, returns: tuple[ReturnItem, ...]) -> tuple[Ordering, ...]:
        """``ORDER BY item [ASC|DESC], ...``: an item as RETURN writes it, or a RETURN column's name."""
        if not self.word("BY"):
            raise self.error("BY after ORDER")
        named = {item.name: item for item in returns if item.name is not None}
        orderings = []
        while True:
            token = self.current
            if token.kind in ("name", "quoted") and (token.text.strip("`") in named) and "." not in token.text:
                self.advance()
                item = named[token.text.strip("`")]
            else:
                item = self.return_item("an alias, alias.property, an aggregate or a RETURN column's name after ORDER BY")
            descending = self.word("DESC")
            if not descending:
                self.word("ASC")
            orderings.append(Ordering(item.unnamed(), descending, token.position))
            if not self.punct(","):
                return tuple(orderings)

    def node(self, expected: str) -> Node:
        target = self.target(expected)
        alias = f"_{len(self.aliases)}"
        if self.keyword("AS"):
            alias = self.new_alias()
        elif len(target.types) + len(target.classes) == 1:  # J1: the type names its node (RETURN aws_instance.state)
            name = (target.types or target.classes)[0]
            if name in self.aliases:
                self.ambiguous.add(name)
            else:
                alias = name
        self.aliases.append(alias)
        condition = self.condition() if self.keyword("WITH") else None
        return Node(target, alias, condition)

    def new_alias(self) -> str:
        """The alias after AS, which no other node or relationship has."""
        token = self.advance()
        if token.kind != "name" or "." in token.text:
            raise self.error("an alias name after AS", token)
        if token.text in self.aliases:
            raise QuerySyntaxError(self.query, token.position, f"alias {token.text!r} is used twice")
        return token.text

    def target(self, expected: str) -> Target:
        if self.punct("*"):
            return Target()
        names: list[Token] = []
        if self.punct("("):
            names.append(self.name(expected))
            while self.punct("|"):
                names.append(self.name("an entity type or class after |"))
            if not self.punct(")"):
                raise self.error("| or )")
        else:
            names.append(self.name(expected))
        types = tuple(token.text for token in names if token.text[0].islower())
        classes = tuple(token.text for token in names if not token.text[0].islower())
        return Target(types, classes)

    def name(self, expected: str) -> Token:
        token = self.current
        if token.kind != "name" or "." in token.text:
            raise self.error(expected)
        return self.advance()

    def at_optional(self) -> bool:
        """Whether an optional group, ``(THAT ...)?``, starts here."""
        if self.current.kind != "punct" or self.current.text != "(":
            return False
        following = self.tokens[self.index + 1]  # "(" is never the last token: "end" follows it
        return following.kind == "keyword" and following.text.upper() == "THAT"

    def optional(self) -> OptionalTraversals:
        """``(THAT ... [THAT ...])?`` [AS alias]: positive traversals, none of them optional again."""
        self.advance()
        traversals: list[Traversal] = []
        while self.keyword("THAT"):
            bang = self.current
            traversal = self.traversal()
            if traversal.negated:
                raise QuerySyntaxError(self.query, bang.position,
                                       "a negated traversal cannot be optional (it adds no entity to the results)")
            traversals.append(traversal)
        if self.at_optional():
            raise QuerySyntaxError(self.query, self.current.position, "optional traversals do not nest")
        if not self.punct(")"):
            raise self.error("THAT or ) in the optional traversal")
        if not self.punct("?"):
            raise self.error("? after the optional traversal's )")
        alias = None
        if self.keyword("AS"):
            alias = self.new_alias()
            self.aliases.append(alias)
        return OptionalTraversals(tuple(traversals), alias)

    def traversal(self) -> Traversal:
        negated = self.punct("!")
        verbs = self.verbs()
        direction = Direction.EITHER
        if self.current.kind == "arrow":
            direction = Direction(self.advance().text)
        alias = None
        if self.keyword("AS"):
            alias = self.new_alias()
            self.aliases.append(alias)
        node = self.node("an entity type, a class or * after the verb")
        return Traversal(verbs, negated, node, alias, direction)

    def verbs(self) -> tuple[str, ...]:
        """``VERB``, ``(VERB|VERB ...)`` or ``RELATES TO`` (no verbs: any)."""
        if self.keyword("RELATES"):
            self.expect_keyword("TO", "TO after RELATES")
            return ()
        if not self.punct("("):
            return (self.verb("a relationship verb (HAS, USES, ...), (VERB|VERB) or RELATES TO after THAT"),)
        verbs = [self.verb("a relationship verb after (")]
        while self.punct("|"):
            verbs.append(self.verb("a relationship verb after |"))
        if not self.punct(")"):
            raise self.error("| or ) after the verb")
        return tuple(dict.fromkeys(verbs))

    def verb(self, expected: str) -> str:
        token = self.current
        if token.kind != "name" or not re.fullmatch(r"[A-Za-z_]+", token.text):
            raise self.error(expected)
        return self.advance().text.upper()

    # condition := term (OR term)*
    def condition(self) -> Condition:
        terms = [self.term()]
        while self.keyword("OR"):
            terms.append(self.term())
        return _balanced("OR", terms)

    def term(self) -> Condition:
        factors = [self.factor()]
        while self.keyword("AND"):
            factors.append(self.factor())
        return _balanced("AND", factors)

    def factor(self) -> Condition:
        opening = self.current
        if self.punct("("):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QuerySyntaxError(self.query, opening.position,
                                       f"parentheses nested more than {MAX_NESTING} deep")
            inner = self.condition()
            if not self.punct(")"):
                raise self.error("AND, OR or )")
            self.depth -= 1
            return inner
        token = self.current
        if token.kind == "quoted":
            name = token.text[1:-1]
            if not name:
                raise self.error("a property name inside the backticks")
        elif token.kind == "name":
            name = token.text
        else:
            raise self.error("a property name")
        self.advance()
        alias = None
        if self.qualified:  # WHERE names alias.property
            alias, dot, name = name.partition(".")
            if not dot:
                raise QuerySyntaxError(self.query, token.position, "WHERE compares alias.property (name the alias)")
            self.known_alias(Token("name", alias, token.position))
            name = name or self.quoted_property()
        operator_token = self.advance()
        if operator_token.kind != "operator":
            raise self.error(f"a comparison operator ({_OPERATORS}) after {name}", operator_token)
        operator = Operator(operator_token.text)
        if self.current.kind == "punct" and self.current.text == "(":
            return self.value_list(name, operator, token.position, alias)
        return Comparison(name, operator, self.value(operator), token.position, alias)

    def value_list(self, name: str, operator: Operator, position: int, alias: str | None) -> Condition:
        """``= ('a' OR 'b')``: one comparison per value; a negated operator joins them by De Morgan's law."""
        opening = self.advance()
        if operator in (Operator.LT, Operator.LE, Operator.GT, Operator.GE):
            raise QuerySyntaxError(self.query, opening.position,
                                   f"a value list compares with = or a text operator, not {operator.value}")
        values = [self.value(operator)]
        joiner = None
        while self.current.kind == "keyword" and self.current.text.upper() in ("OR", "AND"):
            word = self.advance()
            if joiner not in (None, word.text.upper()):
                raise QuerySyntaxError(self.query, word.position, "a value list joins its values with OR or with AND, not both")
            joiner = word.text.upper()
            values.append(self.value(operator))
        if not self.punct(")"):
            raise self.error("OR, AND or ) in the value list")
        if operator.negates is not None:  # != ('a' OR 'b'): neither; != ('a' AND 'b'): not both
            joiner = "AND" if joiner in (None, "OR") else "OR"
        return _balanced(joiner or "OR", [Comparison(name, operator, value, position, alias) for value in values])

    def value(self, operator: Operator) -> Literal | PropertyRef:
        token = self.advance()
        if self.qualified and token.kind == "name" and "." in token.text and not token.text.lower().startswith("date.now"):
            return self.property_ref(token)
        if token.kind == "regex":
            return self.pattern(token, operator)
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "name" and token.text.lower() in ("true", "false"):
            return token.text.lower() == "true"
        if token.kind == "name" and token.text.lower() == "undefined":
            return Undefined.UNDEFINED
        if token.kind == "name" and token.text.lower() == "date.now":
            return self.relative_date()
        joined = re.fullmatch(r"date\.now-(\d+)", token.text.lower()) if token.kind == "name" else None
        if joined:  # date.now-7 days, read as one name by the tokenizer
            return self.date_unit(-1, joined.group(1))
        expected = "a quoted string, a number, true, false, undefined, date.now or a /regular expression/"
        raise self.error(f"a value after {operator.value} ({expected}{', alias.property' if self.qualified else ''})",
                         token)

    def property_ref(self, token: Token) -> PropertyRef:
        """``alias.property`` (or ``alias.`name```) on the right of a WHERE comparison."""
        alias, _, name = token.text.partition(".")
        self.known_alias(Token("name", alias, token.position))
        return PropertyRef(alias, name or self.quoted_property())

    def quoted_property(self) -> str:
        """The property in backticks after ``alias.`` (``a.`tag.Cost Center```)."""
        quoted = self.advance()
        if quoted.kind != "quoted" or len(quoted.text) < 3:
            raise self.error("a property name after the alias", quoted)
        return quoted.text[1:-1]

    def pattern(self, token: Token, operator: Operator) -> Pattern:
        """``/source/flags``, checked here so a bad expression is a syntax error with its place."""
        if operator not in (Operator.CONTAINS, Operator.NOT_CONTAINS):
            raise QuerySyntaxError(self.query, token.position, "a regular expression compares only with ~= or !~=")
        source, _, flags = token.text[1:].rpartition("/")
        unknown = sorted(set(flags.lower()) - REGEX_FLAGS)
        if unknown:
            raise QuerySyntaxError(self.query, token.position,
                                   f"unknown regular expression flag {unknown[0]!r} (flags: i, m, s)")
        pattern = Pattern(source, "".join(sorted(set(flags.lower()))))
        try:
            re.compile(pattern.inline)
        except re.error as problem:
            offset = max(0, (problem.pos or 0) - (len(pattern.inline) - len(source)))  # past the inline flags
            raise QuerySyntaxError(self.query, token.position + 1 + offset,
                                   f"invalid regular expression: {problem.msg}") from None
        return pattern

    def relative_date(self) -> RelativeDate:
        """After ``date.now``: nothing, or ``+ n unit`` / ``- n unit`` (``date.now -7 days`` too)."""
        if self.punct("+"):
            sign, amount = 1, self.advance()
        elif self.punct("-"):
            sign, amount = -1, self.advance()
        elif self.current.kind == "number" and self.current.text.startswith("-"):
            sign, amount = -1, self.advance()
        else:
            return RelativeDate()
        digits = amount.text.removeprefix("-") if sign == -1 else amount.text
        if amount.kind != "number" or not digits.isdigit():
            raise self.error("a whole number after date.now + or -", amount)
        return self.date_unit(sign, digits)

    def date_unit(self, sign: int, digits: str) -> RelativeDate:
        """The unit after ``date.now - <digits>``: day, days, hour, ... ."""
        unit = self.advance()
        singular = unit.text.lower().removesuffix("s") if unit.kind == "name" else ""
        if singular not in DATE_UNITS:
            units = ", ".join(f"{name}s" for name in DATE_UNITS)
            raise self.error(f"a unit of time after {digits} ({units})", unit)
        return RelativeDate(sign * int(digits), singular)

    def returns(self) -> tuple[ReturnItem, ...]:
        items = [self.named(self.return_item())]
        while self.punct(","):
            items.append(self.named(self.return_item()))
        return tuple(items)

    def named(self, item: ReturnItem) -> ReturnItem:
        """``item AS name``: the column's name, which no other column has."""
        if not self.keyword("AS"):
            return item
        token = self.advance()
        if token.kind not in ("name", "quoted") or (token.kind == "quoted" and len(token.text) < 3):
            raise self.error("a column name after AS", token)
        name = token.text[1:-1] if token.kind == "quoted" else token.text
        if name in self.columns:
            raise QuerySyntaxError(self.query, token.position, f"column {name!r} is named twice")
        self.columns.add(name)
        return ReturnItem(item.alias, item.property_name, item.aggregate, name)

    def return_item(self, expected: str = "an alias, alias.property or an aggregate (COUNT(alias), "
                                          "MIN(alias.property), ...) after RETURN") -> ReturnItem:
        token = self.current
        following = self.tokens[min(self.index + 1, len(self.tokens) - 1)]
        if following.kind == "punct" and following.text == "(" and token.kind in ("name", "keyword"):
            if token.text.upper() in AGGREGATES:
                return self.aggregate()
            raise QuerySyntaxError(self.query, token.position, f"{token.text}(...): RETURN has no functions but "
                                                               f"{', '.join(AGGREGATES[:-1])} and {AGGREGATES[-1]}")
        self.advance()
        if token.kind != "name":
            raise self.error(expected, token)
        return self.operand(token)

    def aggregate(self) -> ReturnItem:
        """``COUNT(alias)``, or ``MIN``, ``MAX``, ``AVG``, ``SUM`` of ``alias.property``."""
        function = self.advance().text.upper()
        self.advance()  # (
        token = self.advance()
        if token.kind != "name":
            raise self.error(f"an alias{'' if function == 'COUNT' else '.property'} after {function}(", token)
        item = self.operand(token)
        if function == "COUNT" and item.property_name is not None:
            raise QuerySyntaxError(self.query, token.position, "COUNT counts entities: COUNT(alias)")
        if function != "COUNT" and item.property_name is None:
            raise QuerySyntaxError(self.query, token.position, f"{function} takes a property: {function}(alias.property)")
        if not self.punct(")"):
            raise self.error(f") after {function}'s operand")
        return ReturnItem(item.alias, item.property_name, function)

    def operand(self, token: Token) -> ReturnItem:
        """``alias``, ``alias.property``, ``alias.*`` or ``alias.`property```, from its first token."""
        alias, dot, prop = token.text.partition(".")
        self.known_alias(Token("name", alias, token.position))
        if dot and not prop and self.punct("*"):  # a.*: the whole entity
            return ReturnItem(alias)
        if dot and not prop:  # a.`tag.Cost Center`
            prop = self.quoted_property()
        return ReturnItem(alias, prop or None)

    def known_alias(self, token: Token) -> str:
        if token.text in self.ambiguous:
            raise QuerySyntaxError(self.query, token.position,
                                   f"{token.text!r} names several nodes: name the one you mean with AS")
        if token.kind != "name" or token.text not in self.aliases or token.text.startswith("_"):
            named = [alias for alias in self.aliases if not alias.startswith("_")]
            hint = f" (aliases: {', '.join(named)})" if named else " (name one with AS)"
            raise QuerySyntaxError(self.query, token.position, f"unknown alias {token.text!r}{hint}")
        return token.text


def _balanced(operator: str, operands: list[Condition]) -> Condition:
    """``a OP b OP c ...`` as a balanced tree, so thousands of operands nest only a dozen deep."""
    if len(operands) == 1:
        return operands[0]
    middle = len(operands) // 2
    return BooleanOp(operator, _balanced(operator, operands[:middle]), _balanced(operator, operands[middle:]))


def parse_query(query: str) -> Query:
    """Parse ``query``; raises :class:`QuerySyntaxError` with the position and what was expected."""
    return _Parser(query).parse()
