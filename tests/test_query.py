"""The query language on a fixed graph: a table of cases, then parser errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aws_integration.graph.model import Entity, Relationship
from aws_integration.query import QueryError, QuerySyntaxError, compile_query, parse_query
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.location import open_store


def _entity(key: str, type_name: str, class_name: str, name: str, **properties: object) -> Entity:
    return Entity(key, type_name, (class_name,), name, dict(properties))


GRAPH = [
    _entity("i1", "aws_instance", "Host", "web-1", **{
        "tag.Environment": "staging", "state": "running", "cpuCount": 2, "tag.PatchGroup": 2,
        "tag.Cost Center": "R&D", "tags": ["Monitored", "Patched"], "tag.aws:cloudformation:stack-name": "web-stack",
        "public": True, "launchedOn": "2026-01-05T10:00:00Z"}),
    _entity("i2", "aws_instance", "Host", "web-2", **{
        "tag.Environment": "production", "state": "stopped", "cpuCount": 4, "tag.PatchGroup": "2", "public": False,
        "launchedOn": "2026-03-01T10:00:00Z"}),
    _entity("i3", "aws_instance", "Host", "db-1", **{
        "tag.Environment": "production", "state": "running", "cpuCount": 8, "tag.Owner": None, "public": False,
        "launchedOn": "2025-12-24T10:00:00Z"}),
    _entity("v1", "aws_ebs_volume", "Disk", "vol-1", encrypted=True, size=100),
    _entity("sg1", "aws_security_group", "Firewall", "web-sg", allowsIngressFromInternet=True),
    _entity("sg2", "aws_security_group", "Firewall", "db-sg", allowsIngressFromInternet=False),
    _entity("b1", "aws_s3_bucket", "DataStore", "logs", encrypted=True, classification="internal", sizeGb=1.5),
    Entity("k1", "aws_kms_key", ("CryptoKey", "Key"), "key-1", {"rotationEnabled": True}),
]
EDGES = [
    Relationship("sg1", "aws_security_group", "PROTECTS", "i1", "aws_instance"),
    Relationship("sg1", "aws_security_group", "PROTECTS", "i2", "aws_instance"),
    Relationship("sg2", "aws_security_group", "PROTECTS", "i3", "aws_instance"),
    Relationship("i3", "aws_instance", "USES", "v1", "aws_ebs_volume"),
    Relationship("b1", "aws_s3_bucket", "USES", "k1", "aws_kms_key"),
]


@pytest.fixture(scope="module")
def store(module_store_location: str) -> Iterator[GraphStore]:
    with open_store(module_store_location) as opened:
        opened.commit_run(GraphBatch("test", GRAPH, EDGES, set(), set(), "success", "t0", "t1"))
        yield opened


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("FIND aws_instance WITH tag.Environment='staging'", ["i1"]),
        ("find aws_instance with tag.Environment = \"production\"", ["i2", "i3"]),
        ("FIND Host WITH cpuCount > 2", ["i2", "i3"]),
        ("FIND Host WITH cpuCount >= 2 AND cpuCount < 8", ["i1", "i2"]),
        ("FIND aws_s3_bucket WITH sizeGb <= 1.5", ["b1"]),
        # numbers and strings never match each other
        ("FIND aws_instance WITH tag.PatchGroup = 2", ["i1"]),
        ("FIND aws_instance WITH tag.PatchGroup = '2'", ["i2"]),
        # undefined: absent or null
        ("FIND aws_instance WITH tag.PatchGroup = undefined", ["i3"]),
        ("FIND aws_instance WITH tag.PatchGroup != undefined", ["i1", "i2"]),
        ("FIND aws_instance WITH tag.Owner = undefined", ["i1", "i2", "i3"]),
        # keys with spaces (backticks) and with colons
        ("FIND aws_instance WITH `tag.Cost Center` = 'R&D'", ["i1"]),
        ("FIND aws_instance WITH tag.aws:cloudformation:stack-name ^= 'web'", ["i1"]),
        ("FIND * WITH displayName ~= 'web'", ["i1", "i2", "sg1"]),
        ("FIND * WITH displayName $= '-sg'", ["sg1", "sg2"]),
        ("FIND * WITH displayName $= 'a-very-long-suffix-sg'", []),
        ("FIND aws_instance WITH launchedOn >= '2026-01-01'", ["i1", "i2"]),
        # a list matches when any item does
        ("FIND aws_instance WITH tags = 'Patched'", ["i1"]),
        # booleans are not numbers
        ("FIND aws_instance WITH public = true", ["i1"]),
        ("FIND aws_instance WITH public = 1", []),
        ("FIND aws_instance WITH public != true", ["i2", "i3"]),
        # != includes entities without the property
        ("FIND aws_instance WITH tag.Environment != 'staging'", ["i2", "i3"]),
        ("FIND Host WITH tag.PatchGroup != 2", ["i2", "i3"]),
        # AND binds tighter than OR; parentheses group
        ("FIND aws_instance WITH state = 'stopped' OR cpuCount = 8 AND tag.Environment = 'production'", ["i2", "i3"]),
        ("FIND aws_instance WITH (state = 'stopped' OR cpuCount = 8) AND tag.Environment = 'staging'", []),
        # types and classes
        ("FIND (aws_s3_bucket|Disk) WITH encrypted = true", ["v1", "b1"]),  # ordered by type, then key
        ("FIND Key", ["k1"]),
        ("FIND * WITH _class = 'Firewall'", ["sg1", "sg2"]),
        ("FIND * WITH _key = 'v1'", ["v1"]),
        ("FIND * WITH _type ^= 'aws_s3'", ["b1"]),
        # traversals, either direction, negated, chained
        ("FIND aws_security_group WITH allowsIngressFromInternet = true THAT PROTECTS aws_instance", ["sg1"]),
        ("FIND aws_instance THAT PROTECTS Firewall WITH allowsIngressFromInternet = false", ["i3"]),
        ("FIND aws_instance THAT !USES aws_ebs_volume", ["i1", "i2"]),
        ("FIND Firewall THAT PROTECTS Host THAT USES Disk", ["sg2"]),
        ("FIND aws_kms_key THAT RELATES TO *", ["k1"]),
        ("FIND aws_instance THAT HAS *", []),
        ("FIND aws_instance LIMIT 2", ["i1", "i2"]),
        # value lists: = any of them; a negated operator by De Morgan's law (J1's meaning)
        ("FIND aws_instance WITH tag.Environment = ('staging' OR 'production')", ["i1", "i2", "i3"]),
        ("FIND aws_instance WITH displayName != ('web-1' OR 'db-1')", ["i2"]),
        ("FIND aws_instance WITH tags = ('Monitored' AND 'Patched')", ["i1"]),
        ("FIND aws_instance WITH displayName ^= ('db' OR 'web-2')", ["i2", "i3"]),
        ("FIND aws_instance WITH displayName !^= ('db' OR 'web-2')", ["i1"]),
        ("FIND aws_instance WITH cpuCount = (2 OR 8)", ["i1", "i3"]),
        # negated text operators; an entity without the property matches them
        ("FIND * WITH displayName !~= 'web'", ["v1", "i3", "k1", "b1", "sg2"]),
        ("FIND aws_instance WITH displayName !^= 'web'", ["i3"]),
        ("FIND Firewall WITH displayName !$= 'db-sg'", ["sg1"]),
        ("FIND aws_instance WITH tag.Owner !~= 'x'", ["i1", "i2", "i3"]),
        # regular expressions: found anywhere in the text, Python's syntax, flags i, m, s
        ("FIND * WITH displayName ~= /^web-\\d+$/", ["i1", "i2"]),
        ("FIND * WITH displayName ~= /^WEB-[12]$/i", ["i1", "i2"]),
        ("FIND aws_instance WITH displayName !~= /^web/", ["i3"]),
        ("FIND * WITH _type ~= /^aws_(ebs|s3)_/", ["v1", "b1"]),
        ("FIND * WITH _class ~= /^Crypto/", ["k1"]),
        ("FIND aws_instance WITH tags ~= /^Mon/", ["i1"]),
        ("FIND aws_instance WITH cpuCount ~= /2/", []),  # a number is not text
        # dates relative to now (the stored dates lie within a few years of today)
        ("FIND aws_instance WITH launchedOn > date.now - 100 years", ["i1", "i2", "i3"]),
        ("FIND aws_instance WITH launchedOn > date.now + 1 year", []),
        ("FIND aws_instance WITH launchedOn < date.now", ["i1", "i2", "i3"]),
        ("FIND nothing_of_this_type", []),
    ],
)
def test_query_cases(store: GraphStore, query: str, keys: list[str]) -> None:
    assert [entity["_key"] for entity in run_query(store, query).records()] == keys


def test_return_properties_of_several_aliases(store: GraphStore) -> None:
    result = run_query(store, "FIND aws_instance AS i THAT PROTECTS aws_security_group AS g "
                              "WITH allowsIngressFromInternet = true RETURN i.displayName, g.displayName, i.cpuCount")
    assert result.columns == ("i.displayName", "g.displayName", "i.cpuCount")
    assert result.rows == [("web-1", "web-sg", 2), ("web-2", "web-sg", 4)]
    assert result.to_csv() == "i.displayName,g.displayName,i.cpuCount\nweb-1,web-sg,2\nweb-2,web-sg,4\n"


def test_a_type_names_its_node_and_as_names_a_column(store: GraphStore) -> None:
    result = run_query(store, "FIND aws_security_group WITH allowsIngressFromInternet = true THAT PROTECTS aws_instance "
                              "WHERE aws_instance.state = 'running' RETURN aws_security_group.displayName AS firewall, "
                              "aws_instance.displayName AS host")
    assert result.columns == ("firewall", "host")
    assert result.records() == [{"firewall": "web-sg", "host": "web-1"}]
    assert run_query(store, "FIND Disk RETURN COUNT(Disk) AS disks").records() == [{"disks": 1}]
    whole = run_query(store, "FIND aws_kms_key AS k RETURN k.*, k.displayName AS `key name`")
    assert whole.columns == ("k", "key name")
    assert whole.rows == run_query(store, "FIND aws_kms_key AS k RETURN k, k.displayName").rows
    assert whole.rows[0][0]["_key"] == "k1"


def test_return_counts_whole_entities_and_odd_property_names(store: GraphStore) -> None:
    assert run_query(store, "FIND Host AS h RETURN COUNT(h)").rows == [(3,)]
    assert run_query(store, "FIND Firewall AS f THAT PROTECTS Host AS h RETURN COUNT(f), COUNT(h)").rows == [(2, 3)]
    [(record,)] = run_query(store, "FIND aws_kms_key AS k RETURN k").rows
    assert record == {"_key": "k1", "_type": "aws_kms_key", "_class": ["CryptoKey", "Key"], "displayName": "key-1",
                      "rotationEnabled": True}
    rows = run_query(store, "FIND aws_instance AS i WITH tag.Environment = 'staging' RETURN i.`tag.Cost Center`, i.tags").rows
    assert rows == [("R&D", ["Monitored", "Patched"])]
    [entity] = run_query(store, "FIND aws_ebs_volume").records()
    assert entity["_class"] == "Disk" and entity["size"] == 100


def test_output_formats(store: GraphStore) -> None:
    result = run_query(store, "FIND Firewall")
    assert result.to_table().splitlines() == [
        "_type               _key  displayName", "aws_security_group  sg1   web-sg", "aws_security_group  sg2   db-sg",
        "(2 entities)",
    ]
    assert '"_key": "sg1"' in result.to_json()


def test_filtering_happens_in_sql() -> None:
    compiled = compile_query(parse_query("FIND aws_instance WITH tag.Environment = 'zq-env' THAT USES Disk LIMIT 3"))
    assert "WHERE" in compiled.sql and "JOIN relationships" in compiled.sql and compiled.sql.endswith("LIMIT 3")
    assert "zq-env" in compiled.params.values() and "zq-env" not in compiled.sql  # values are bound, never spliced


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "expected FIND, found the end of the query at position 1"),
        ("FIND", "expected an entity type, a class or * after FIND, found the end of the query at position 5"),
        ("FIND aws_instance WITH", "expected a property name, found the end of the query at position 23"),
        ("FIND aws_instance WITH state", "expected a comparison operator (=, !=, <, <=, >, >=, ~=, ^=, $=, !~=, !^=, "
                                         "!$=) after state, found the end of the query at position 29"),
        ("FIND aws_instance WITH state = AND", "expected a value after = (a quoted string, a number, true, false, "
                                               "undefined, date.now or a /regular expression/), found 'AND' at position 32"),
        # value lists
        ("FIND x WITH a = ('b' OR 'c' AND 'd')", "a value list joins its values with OR or with AND, not both at position 29"),
        ("FIND x WITH a < (1 OR 2)", "a value list compares with = or a text operator, not < at position 17"),
        ("FIND x WITH a = ('b' 'c')", "expected OR, AND or ) in the value list, found \"'c'\" at position 22"),
        # regular expressions
        ("FIND x WITH a ~= /web-(/", "invalid regular expression: missing ), unterminated subpattern at position 23"),
        ("FIND x WITH a ~= /(?/i", "invalid regular expression: unexpected end of pattern at position 21"),
        ("FIND x WITH a = /web/", "a regular expression compares only with ~= or !~= at position 17"),
        ("FIND x WITH a ~= /web/g", "unknown regular expression flag 'g' (flags: i, m, s) at position 18"),
        # dates relative to now
        ("FIND x WITH t > date.now - 7", "expected a unit of time after 7 (milliseconds, seconds, minutes, hours, days, "
                                       "weeks, months, years), found the end of the query at position 29"),
        ("FIND x WITH t > date.now - 1.5 days", "expected a whole number after date.now + or -, found '1.5' at position 28"),
        ("FIND x WITH t > date.now - 7 fortnights", "expected a unit of time after 7 (milliseconds, seconds, minutes, "
                                                  "hours, days, weeks, months, years), found 'fortnights' at position 30"),
        ("FIND aws_instance WITH state = 'x", "unclosed ' quote at position 32"),
        ("FIND aws_instance WITH (state = 'x'", "expected AND, OR or ), found the end of the query at position 36"),
        ("FIND aws_instance THAT", "expected a relationship verb (HAS, USES, ...), (VERB|VERB) or RELATES TO after THAT, "
                                   "found the end of the query at position 23"),
        ("FIND aws_instance THAT RELATES aws_vpc", "expected TO after RELATES, found 'aws_vpc' at position 32"),
        ("FIND aws_instance LIMIT 0", "expected a whole number of at least 1 after LIMIT, found '0' at position 25"),
        ("FIND * RETURN x.name", "unknown alias 'x' (name one with AS) at position 15"),
        ("FIND aws_instance RETURN x.name", "unknown alias 'x' (aliases: aws_instance) at position 26"),
        ("FIND Host THAT USES Host RETURN Host.state", "'Host' names several nodes: name the one you mean with AS "
                                                   "at position 33"),
        ("FIND Host AS h RETURN h.state AS s, h.cpuCount AS s", "column 's' is named twice at position 51"),
        ("FIND Host AS h RETURN h.state AS", "expected a column name after AS, found the end of the query at position 33"),
        ("FIND aws_instance AS i RETURN j.name", "unknown alias 'j' (aliases: i) at position 31"),
        ("FIND aws_instance AS i THAT HAS aws_vpc AS i", "alias 'i' is used twice at position 44"),
        ("FIND aws_instance WITH state = 'x' extra", "expected THAT, WHERE, RETURN, ORDER BY, SKIP, LIMIT or the end of the query, "
                                                     "found 'extra' at position 36"),
        ("FIND aws_instance # comment", "unexpected character '#' at position 19"),
        ("FIND (aws_instance|) ", "expected an entity type or class after |, found ')' at position 20"),
    ],
)
def test_syntax_errors_name_the_position_and_the_expectation(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert str(raised.value) == message
    assert raised.value.pointer().splitlines()[1] == " " * raised.value.position + "^"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("FIND aws_instance WITH public < true", "booleans compare only with = and !="),
        ("FIND aws_instance WITH cpuCount ~= 2", "need a quoted string"),
        ("FIND aws_instance THAT !USES Disk AS d RETURN d.size", "negated traversal"),
    ],
)
def test_questions_that_cannot_be_answered(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_query(parse_query(query))


def test_the_query_command(store: GraphStore, module_store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    from aws_integration.cli import main

    path = module_store_location
    assert main(["query", "FIND Firewall AS f RETURN f.displayName", "--store", path, "--format", "csv"]) == 0
    assert capsys.readouterr().out == "f.displayName\ndb-sg\nweb-sg\n"
    assert main(["query", "FIND aws_instance WITH", "--store", path]) == 2
    assert capsys.readouterr().err.splitlines() == [  # the caret drawing is for terminals only
        "aws-integration: error: query: expected a property name, found the end of the query at position 23"
    ]
    assert main(["query", "FIND Host", "--store", str(Path(path).with_name("missing.sqlite"))]) == 2
    capsys.readouterr()
    assert main(["query", "FIND aws_instnace", "--store", path]) == 0
    captured = capsys.readouterr()
    assert "(0 entities)" in captured.out
    assert captured.err == ("aws-integration: warning: no entity type 'aws_instnace' is stored or declared "
                            "(did you mean aws_instance?)\n")


def test_every_documented_query_parses() -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    documented = [query for name in ("docs/query.md", "README.md")
                  for query in re.findall(r'aws-integration query "([^"]+)"', (root / name).read_text(encoding="utf-8"))]
    assert len(documented) >= 6
    for query in documented:
        if "WITH state\"" in f'{query}"':  # the documented syntax error
            continue
        compile_query(parse_query(query))


def test_projections_keep_their_json_types(store: GraphStore) -> None:
    result = run_query(store, "FIND aws_instance AS i WITH state = 'running' RETURN i.displayName, i.public, i.cpuCount")
    assert result.rows == [("db-1", False, 8), ("web-1", True, 2)] or result.rows == [("web-1", True, 2), ("db-1", False, 8)]
    assert '"i.public": true' in result.to_json() and '"i.public": false' in result.to_json()
    assert {line.split()[1] for line in result.to_table().splitlines()[1:-1]} == {"true", "false"}


def test_output_cannot_forge_lines_or_formulas(tmp_path: Path) -> None:
    """How answers are printed; the values are stored in SQLite (PostgreSQL's text cannot hold the NUL here)."""
    hostile = [_entity("h1", "aws_instance", "Host", "web\x1b[2J\rFAKE  row\nsecond\x00line"),
               _entity("h2", "aws_instance", "Host", "=HYPERLINK(\"http://evil\")"),
               _entity("h3", "aws_instance", "Host", "+1+2"), _entity("h4", "aws_instance", "Host", "-2"),
               _entity("h5", "aws_instance", "Host", "@SUM(A1)"), _entity("h6", "aws_instance", "Host", "plain")]
    with open_store(tmp_path / "graph.sqlite") as opened:
        opened.commit_run(GraphBatch("test", hostile, [], set(), set(), "success", "t0", "t1"))
        result = run_query(opened, "FIND aws_instance")
    table = result.to_table()
    assert "\x1b" not in table and "\x00" not in table and "\r" not in table
    assert len(table.splitlines()) == 1 + 6 + 1  # header, one line per entity, the count
    assert "web\\x1b[2J\\rFAKE  row\\nsecond\\x00line" in table
    import csv
    import io

    names = {row[1]: row[2] for row in list(csv.reader(io.StringIO(result.to_csv())))[1:]}
    assert names == {"h1": "web\x1b[2J\rFAKE  row\nsecond\x00line", "h2": "'=HYPERLINK(\"http://evil\")",
                     "h3": "'+1+2", "h4": "'-2", "h5": "'@SUM(A1)", "h6": "plain"}
    assert result.records()[0]["displayName"] == "web\x1b[2J\rFAKE  row\nsecond\x00line"  # JSON keeps the value exact


def test_names_that_match_nothing_are_warned_about_not_refused(store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    from aws_integration.query.run import query_warnings

    assert query_warnings(store, parse_query("FIND aws_instnace")) == [
        "no entity type 'aws_instnace' is stored or declared (did you mean aws_instance?)"]
    assert query_warnings(store, parse_query("FIND Hots")) == ["no entity class 'Hots' is known (did you mean Host?)"]
    assert query_warnings(store, parse_query("FIND aws_instance WITH cpuCont > 1 AND state = 'running'")) == [
        "no stored aws_instance has the property 'cpuCont'"]
    assert query_warnings(store, parse_query("FIND aws_lambda_function"), {"aws_lambda_function": {}}) == []  # declared
    assert query_warnings(store, parse_query("FIND aws_instance AS i THAT PROTECTS Firewall RETURN i.state")) == []


def test_properties_and_values_are_checked_against_the_declarations(store: GraphStore) -> None:
    from aws_integration.integrations import declared_properties
    from aws_integration.query.run import query_warnings

    def warnings(text: str) -> list[str]:
        return query_warnings(store, parse_query(text), declared_properties())

    assert warnings("FIND aws_instance WITH instanceTyp = 't3.micro'") == [
        "aws_instance declares no property 'instanceTyp' (did you mean instanceType?)"]
    assert warnings("FIND aws_ebs_volume WITH encrypted = 'false'") == [
        "aws_ebs_volume.encrypted is boolean: 'false' never matches it (write true or false)"]
    assert warnings("FIND aws_instance WITH instanceId = 7") == [
        "aws_instance.instanceId is a string: 7 never matches it (quote it)"]
    assert warnings("FIND aws_ebs_volume WITH size > '8'") == ["aws_ebs_volume.size is a number: '8' never matches it"]
    assert warnings("FIND aws_instance WITH launchTime > 'yesterday'") == [
        "aws_instance.launchTime is a timestamp: 'yesterday' never matches it (give epoch milliseconds or an ISO date)"]
    assert warnings("FIND aws_ebs_volume WITH encrypted ~= /true/") == [
        "aws_ebs_volume.encrypted is boolean: a regular expression matches only text"]
    assert warnings("FIND aws_ebs_volume WITH encrypted > date.now") == [
        "aws_ebs_volume.encrypted is boolean: a date never matches it"]
    assert warnings("FIND aws_instance WITH launchTime > date.now - 1 day AND instanceType ~= /^t3\\./") == []
    # Right kinds, tags, own fields, derived and console types, and a property only one of two types has: no warning.
    assert warnings("FIND aws_instance WITH launchTime > '2026-01-01' AND tag.Team = 'x' AND displayName = 'y' "
                    "AND public = true") == []
    assert warnings("FIND sentinelone_agent WITH infected = true THAT PROTECTS device WITH serialNumber = 'C02'") == []
    assert warnings("FIND (aws_s3_bucket | aws_ebs_volume) WITH size > 1") == []
    # WHERE: entity aliases as WITH, and a named relationship against its possible types' declarations.
    assert warnings("FIND aws_instance AS i THAT PROTECTS aws_security_group WHERE i.instanceTyp = 'x'") == [
        "aws_instance declares no property 'instanceTyp' (did you mean instanceType?)"]
    assert warnings("FIND aws_security_group AS g THAT ALLOWS AS r internet WHERE r.fromPrt <= 22 "
                    "AND r.ingress = 'yes' AND r._key ^= 'arn:'") == [
        "aws_security_group_allows_internet declares no property 'fromPrt' (did you mean fromPort?)",
        "aws_security_group_allows_internet.ingress is boolean: 'yes' never matches it (write true or false)"]


def test_an_iso_date_compares_with_epoch_milliseconds_and_with_iso_text(store_location: str) -> None:
    hosts = [_entity("old", "aws_instance", "Host", "old", launchTime=1735725600000),   # 2025-01-01T10:00Z
             _entity("new", "aws_instance", "Host", "new", launchTime=1767261600000),   # 2026-01-01T10:00Z
             _entity("imported", "on_prem_server", "Host", "imported", launchTime="2026-03-01T00:00:00Z"),
             _entity("words", "on_prem_server", "Host", "words", launchTime="soon")]
    with open_store(store_location) as opened:
        opened.commit_run(GraphBatch("test", hosts, [], set(), set(), "success", "t0", "t1"))

        def keys(query: str) -> list[str]:
            return sorted(entity["_key"] for entity in run_query(opened, query).records())

        assert keys("FIND Host WITH launchTime >= '2026-01-01'") == ["imported", "new"]  # "soon" names no instant
        assert keys("FIND Host WITH launchTime < '2026-03-01T03:00:00+02:00'") == ["imported", "new", "old"]
        assert keys("FIND aws_instance WITH launchTime >= '2026-01-01'") == ["new"]
        assert keys("FIND aws_instance WITH launchTime < '2026-01-01T10:00:00Z'") == ["old"]
        assert keys("FIND aws_instance WITH launchTime = '2026-01-01T12:00:00+02:00'") == ["new"]
        assert keys("FIND aws_instance WITH launchTime != '2026-01-01T10:00:00Z'") == ["old"]
        assert keys("FIND aws_instance WITH launchTime ^= '2026'") == []  # only comparisons convert dates


def test_date_now_is_when_the_query_runs(store_location: str) -> None:
    hosts = [_entity("jan", "aws_instance", "Host", "jan", launchTime=1767261600000),      # 2026-01-01T10:00Z
             _entity("feb", "aws_instance", "Host", "feb", launchTime=1770112800000),      # 2026-02-03T10:00Z
             _entity("imported", "on_prem_server", "Host", "imported", launchTime="2026-03-01T00:00:00+01:00")]
    now = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
    with open_store(store_location) as opened:
        opened.commit_run(GraphBatch("test", hosts, [], set(), set(), "success", "t0", "t1"))

        def keys(query: str) -> list[str]:
            return sorted(entity["_key"] for entity in run_query(opened, query, now=now).records())

        # imported is 2026-02-28T23:00Z: after one calendar month back (2026-02-28T12:00Z), not after 30 days (03-01)
        assert keys("FIND Host WITH launchTime > date.now - 30 days") == []
        assert keys("FIND Host WITH launchTime > date.now - 1 month") == ["imported"]
        assert keys("FIND Host WITH launchTime > date.now - 2 months") == ["feb", "imported"]  # 2026-01-31T12:00Z
        assert keys("FIND Host WITH launchTime <= date.now-8 weeks") == ["feb", "jan"]  # 2026-02-03T12:00Z
        assert keys("FIND Host WITH launchTime < date.now - 1 year") == []
        assert keys("FIND Host WITH launchTime > date.now - 2161 hours") == ["feb", "imported", "jan"]
        assert keys("FIND Host WITH launchTime = date.now") == []
    with pytest.raises(QueryError, match="dates compare with"):
        compile_query(parse_query("FIND Host WITH launchTime ^= date.now"))


def test_three_thousand_ors_are_answered(store: GraphStore) -> None:
    many = " OR ".join(f"cpuCount = {number}" for number in range(3000))
    assert [entity["_key"] for entity in run_query(store, f"FIND aws_instance WITH {many}").records()] == ["i1", "i2", "i3"]
    anded = " AND ".join("state = 'running'" for _ in range(3000))
    assert [entity["_key"] for entity in run_query(store, f"FIND aws_instance WITH {anded}").records()] == ["i1", "i3"]


def test_a_named_relationship_is_compared_and_returned(store_location: str) -> None:
    rules = [Relationship("sg1", "aws_security_group", "ALLOWS", "global:internet", "internet",
                          {"ingress": True, "fromPort": port, "toPort": port}, qualifier=f"ingress:tcp:{port}")
             for port in (22, 443)]
    internet = Entity("global:internet", "internet", ("Internet",), "Internet", {})
    with open_store(store_location) as store:
        store.commit_run(GraphBatch("test", [*GRAPH, internet], [*EDGES, *rules], set(), set(), "success", "t0", "t1"))
        ssh = run_query(store, parse_query("FIND Firewall AS g THAT ALLOWS AS r Internet "
                                           "WHERE r.fromPort <= 22 AND r.toPort >= 22 AND g.displayName = 'web-sg' "
                                           "RETURN g.displayName, r.fromPort, r._key")).records()
        assert ssh == [{"g.displayName": "web-sg", "r.fromPort": 22,
                        "r._key": "sg1|allows|global:internet|ingress:tcp:22"}]
        [whole] = run_query(store, parse_query("FIND Firewall THAT ALLOWS AS r Internet WHERE r.toPort = 443 "
                                               "RETURN r")).records()
        assert whole["r"]["_fromEntityKey"] == "sg1" and whole["r"]["_class"] == "ALLOWS"


@pytest.mark.parametrize(("query", "message"), [
    ("FIND aws_instance WHERE state = 'x'", "WHERE compares alias.property (name the alias) at position 25"),
    ("FIND aws_instance AS i WHERE j.state = 'x'", "unknown alias 'j' (aliases: i) at position 30"),
])
def test_where_names_its_aliases(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert str(raised.value) == message


def test_a_negated_traversal_has_no_relationship_to_name() -> None:
    with pytest.raises(QueryError, match="names a relationship of a negated traversal"):
        compile_query(parse_query("FIND aws_instance THAT !USES AS r aws_ebs_volume"))
