"""Reading YAML and JSON that users give: bounded, strict, and refused in one line when it is not sound.

- A YAML mapping that names a key twice is an error (not last-wins); a merge key
  (``<<: *defaults``) may still be overridden by the mapping's own keys.
- Aliases are resolved only while the document stays under :data:`MAX_NODES` nodes
  once expanded, so 300 bytes of nested aliases (an "alias bomb") are refused at
  once, with bounded memory, and a recursive alias is refused too.
- JSON's ``NaN``, ``Infinity`` and ``-Infinity`` are refused (no JSON reader
  elsewhere accepts them); YAML's ``.nan`` / ``.inf`` are plain floats here, which
  callers that need finite numbers check (the import does, record by record).
- A document nested deeper than the parser can follow is an error, not a crash.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

MAX_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class UnsafeDocument(ValueError):
    """A document that cannot be read safely; the message says why and, where it can, where."""


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader, refusing duplicate keys (PyYAML is loaded by the first YAML document)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes the document has with every alias expanded (stops counting past ``limit``)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        ident = id(node)
        if children_done:
            on_path.discard(ident)
            children = _children(node)
            sizes[ident] = min(limit + 1, 1 + sum(sizes[id(child)] for child in children))
            continue
        if ident in sizes:
            continue
        if ident in on_path:
            raise UnsafeDocument("a YAML alias refers to a node that contains it (a recursive alias)")
        on_path.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if node.id == "sequence":  # yaml.SequenceNode
        return list(node.value)
    if node.id == "mapping":  # yaml.MappingNode
        return [part for pair in node.value for part in pair]
    return []


def _yaml_message(error: yaml.YAMLError) -> str:
    """Where and what, without quoting the document (which may hold a secret)."""
    mark = getattr(error, "problem_mark", None)
    message = "not valid YAML" + (f" at line {mark.line + 1}" if mark else "")
    problem = getattr(error, "problem", None)
    if problem:
        message += f": {problem}"
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and context_mark:
        message += f" ({context} from line {context_mark.line + 1})"
    return message


def load_yaml(text: str, max_nodes: int = MAX_NODES) -> Any:
    """The document in ``text``; raises :class:`UnsafeDocument` with a one-line reason."""
    import yaml

    loader = _strict_loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, max_nodes) > max_nodes:
            raise UnsafeDocument(f"the YAML document expands to more than {max_nodes:,} values through its aliases")
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise UnsafeDocument(_yaml_message(error)) from None
    except RecursionError:
        raise UnsafeDocument("the YAML document is nested too deeply") from None
    finally:
        loader.dispose()


def _refuse_constant(name: str) -> Any:
    raise UnsafeDocument(f"not valid JSON: {name} is not a JSON number")


def load_json(text: str) -> Any:
    """The JSON document in ``text``; raises :class:`UnsafeDocument` with a one-line reason."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise UnsafeDocument(f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise UnsafeDocument("the JSON document is nested too deeply") from None
