"""A matched subgraph drawn: Graphviz DOT, or a self-contained HTML page that lays it out and draws it.

The page needs no network: its style, script and data are inline. Nodes are coloured by
class, edges labelled by verb; a click on a node (or its key after ``#`` in the address)
shows its properties. Every value reaches the page as JSON data and is written into it
as text, never as markup.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from aws_integration.query.graph import Subgraph

# Colours for classes, chosen by a hash of the class name (so a class keeps its colour across queries).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#86bcb6", "#d37295")


def class_of(record: dict[str, Any]) -> str:
    """The first class of a record (``_class`` is a name or a list of them)."""
    value = record.get("_class")
    return str(value[0] if isinstance(value, list) and value else value or "")


def colour_of(class_name: str) -> str:
    """The palette colour of a class."""
    return PALETTE[int(hashlib.sha256(class_name.encode()).hexdigest(), 16) % len(PALETTE)]


def _dot_text(value: Any) -> str:
    """A DOT double-quoted string (quotes, backslashes and line breaks escaped)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def to_dot(graph: Subgraph, title: str = "query") -> str:
    """The subgraph in Graphviz's DOT language: one node per entity (label: name and type; colour: class),
    one edge per relationship (label: verb)."""
    lines = [f"digraph {_dot_text(title)} {{", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for entity in graph.entities:
        label = f"{entity.get('displayName') or entity['_key']}\n{entity['_type']}"
        lines.append(f"  {_dot_text(entity['_key'])} [label={_dot_text(label)}, "
                     f"fillcolor={_dot_text(colour_of(class_of(entity)))}];")
    for relationship in graph.relationships:
        lines.append(f"  {_dot_text(relationship['_fromEntityKey'])} -> {_dot_text(relationship['_toEntityKey'])} "
                     f"[label={_dot_text(relationship['_class'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _script_json(value: Any) -> str:
    """JSON that may stand inside a <script> element: no "</", "<!--" or line separators end or bend it."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def to_html(graph: Subgraph, title: str) -> str:
    """A self-contained page drawing the subgraph (see the module's docstring)."""
    data = {
        "title": title,
        "nodes": [{"key": entity["_key"], "type": entity["_type"], "class": class_of(entity),
                   "colour": colour_of(class_of(entity)), "name": str(entity.get("displayName") or entity["_key"]),
                   "properties": entity} for entity in graph.entities],
        "edges": [{"key": relationship["_key"], "from": relationship["_fromEntityKey"],
                   "to": relationship["_toEntityKey"], "verb": relationship["_class"], "properties": relationship}
                  for relationship in graph.relationships],
    }
    template = resources.files("aws_integration.query").joinpath("graph.html").read_text(encoding="utf-8")
    return template.replace("/*GRAPH*/null", _script_json(data), 1)
