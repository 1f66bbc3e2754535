"""Results you can look at: RETURN TREE, the matched subgraph of any query, DOT, and the HTML page,
rendered in headless Chromium when it is installed."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_integration.cli import main
from aws_integration.graph.model import Entity, Relationship
from aws_integration.query import QueryError
from aws_integration.query.graph import Subgraph
from aws_integration.query.render import colour_of, to_dot, to_html
from aws_integration.query.run import matched_subgraph, run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.location import open_store
from tests.test_query_traversals import EDGES, GRAPH

ODD_NAME = 'say "hi"\n</script><script>alert(1)</script>'


@pytest.fixture(scope="module")
def store(module_store_location: str) -> Iterator[GraphStore]:
    odd = Entity("x1", "device", ("Device",), ODD_NAME, {"note": "<b>bold</b> & more"})
    with open_store(module_store_location) as opened:
        opened.commit_run(GraphBatch("test", [*GRAPH, odd], [*EDGES, Relationship("u3", "user", "USES", "x1", "device")],
                                     set(), set(), "success", "t0", "t1"))
        yield opened


def _keys(graph: Subgraph) -> tuple[list[str], list[str]]:
    return [entity["_key"] for entity in graph.entities], [edge["_key"] for edge in graph.relationships]


def test_return_tree_gives_the_matched_entities_and_relationships(store: GraphStore) -> None:
    result = run_query(store, "FIND user WITH displayName = 'alice' THAT OWNS device RETURN TREE")
    assert result.graph is not None
    assert _keys(result.graph) == (["d2", "u1"], ["u1|owns|d2"])
    # an optional traversal adds what it matched; a negation adds nothing
    optional = run_query(store, "FIND user (THAT IS person)? RETURN TREE").graph
    assert optional is not None and _keys(optional) == (["p1", "p2", "u1", "u2", "u3"], ["u1|is|p1", "u2|is|p2"])
    negated = run_query(store, "FIND user THAT !IS person RETURN TREE").graph
    assert negated is not None and _keys(negated) == (["u3"], [])
    # any query's match, whatever it returns, is the same graph
    assert matched_subgraph(store, "FIND user AS u WITH displayName = 'alice' THAT OWNS device AS d "
                                   "RETURN u.email, COUNT(d)") == result.graph


def test_a_tree_as_json_table_and_never_csv(store: GraphStore) -> None:
    result = run_query(store, "FIND user WITH displayName = 'alice' THAT OWNS device RETURN TREE")
    document = json.loads(result.to_json())
    assert [entity["_key"] for entity in document["entities"]] == ["d2", "u1"]
    assert document["relationships"][0]["_fromEntityKey"] == "u1" and document["relationships"][0]["since"] == 2000
    assert result.to_table().splitlines() == [
        "_type   _key  displayName", "device  d2    laptop-2", "user    u1    alice", "(2 entities)", "",
        "_class  _fromEntityKey  _toEntityKey", "OWNS    u1              d2", "(1 relationship)"]
    with pytest.raises(QueryError, match="RETURN TREE gives a graph, which is no table"):
        result.to_csv()


def test_dot_draws_nodes_by_class_and_edges_by_verb(store: GraphStore) -> None:
    dot = to_dot(matched_subgraph(store, "FIND user WITH displayName = 'carol' THAT USES device"), "q \"1\"")
    assert dot.startswith('digraph "q \\"1\\"" {')
    assert f'"x1" [label="say \\"hi\\"\\n</script><script>alert(1)</script>\\ndevice", fillcolor="{colour_of("Device")}"];' in dot
    assert '"u3" -> "x1" [label="USES"];' in dot
    assert dot.count("->") == 1 and dot.rstrip().endswith("}")


class _Page(html.parser.HTMLParser):
    """The elements of a page (tag and attributes) and the text of its data script."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_the_page_is_self_contained_and_holds_values_as_data(store: GraphStore) -> None:
    graph = matched_subgraph(store, "FIND user WITH displayName = 'carol' THAT USES device")
    page = to_html(graph, "FIND user THAT USES device")
    parsed = _Page()
    parsed.feed(page)
    # nothing is fetched: no external script, style, image or font
    assert not [attrs for tag, attrs in parsed.elements if attrs.get("src") or (tag == "link")]
    assert not re.search(r"url\((?!#)|@import|https?://(?!www\.w3\.org/2000/svg)", page)
    # the values are data: two scripts only (the data and the drawing), and the odd name did not end the first
    assert len(parsed.scripts) == 2 and [tag for tag, _ in parsed.elements].count("script") == 2
    data = json.loads(parsed.scripts[0])
    assert [node["name"] for node in data["nodes"]] == [ODD_NAME, "carol"]
    assert data["nodes"][0]["properties"]["note"] == "<b>bold</b> & more"
    assert data["edges"] == [{"key": "u3|uses|x1", "from": "u3", "to": "x1", "verb": "USES",
                              "properties": graph.relationships[0]}]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian's chromium package; .ci/run installs it)")
def test_chromium_draws_the_page(store: GraphStore, module_store_location: str, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    assert main(["query", "FIND user AS u (THAT IS person)? THAT (OWNS|USES) device RETURN u.displayName",
                 "--store", module_store_location, "--format", "html", "-o", str(page)]) == 0
    expected = matched_subgraph(store, "FIND user AS u (THAT IS person)? THAT (OWNS|USES) device")
    dom = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", f"{page.as_uri()}#p1"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    drawn = _Page()
    drawn.feed(dom)
    nodes = {attrs["data-key"]: attrs["data-class"] for tag, attrs in drawn.elements
             if tag == "g" and attrs.get("class", "").split()[0:1] == ["node"]}
    assert nodes == {entity["_key"]: entity["_class"] for entity in expected.entities}
    circles = [attrs["fill"] for tag, attrs in drawn.elements if tag == "circle"]
    assert sorted(circles) == sorted(colour_of(str(entity["_class"])) for entity in expected.entities)
    verbs = sorted(attrs["data-verb"] or "" for tag, attrs in drawn.elements
                   if tag == "g" and attrs.get("class") == "edge")
    assert verbs == sorted(edge["_class"] for edge in expected.relationships)
    # the node named after # in the address is selected, and its properties are listed
    assert 'class="node selected" data-key="p1"' in dom
    assert '<table id="properties">' in dom and "<td>email</td><td>alice@example.com</td>" in dom


def test_the_query_command_writes_pictures(store: GraphStore, module_store_location: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "graph.dot"
    assert main(["query", "FIND user THAT IS person", "--store", module_store_location, "--format", "dot", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").count("->") == 2
    assert capsys.readouterr().err == f"wrote {target}\n"
    assert main(["query", "FIND user THAT IS person RETURN TREE", "--store", module_store_location, "--format", "csv"]) == 2
    assert capsys.readouterr().err == ("aws-integration: error: query: RETURN TREE gives a graph, which is no table: "
                                       "use --format json, table, html or dot\n")
    assert main(["query", "FIND user", "--store", module_store_location, "--format", "html",
                 "-o", str(tmp_path / "missing" / "page.html")]) == 2
    assert capsys.readouterr().err.startswith(f"aws-integration: error: cannot write {tmp_path / 'missing' / 'page.html'}: ")
