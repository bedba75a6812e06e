"""Reading a workflow source (YAML or JSON) into plain values that remember their line numbers.

Mappings come back as `Node` (a dict with `.line`), so every later check can say where a problem is.
Booleans are the ones the datatypes page lists (true/True/TRUE, false/False/FALSE) — YAML 1.1's yes/no/on/off
stay strings.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bookgen.workflow.errors import DefinitionError, Problem


class Node(dict):
    """A mapping from the source, with the 1-based line it starts on."""

    line: int | None = None


class Seq(list):
    """A sequence from the source, with the 1-based line it starts on."""

    line: int | None = None


class _Loader(yaml.SafeLoader):
    pass


# Rebuild the implicit resolvers: only the documented boolean spellings are booleans.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    mapping = Node()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key) if not isinstance(key, bool) else ("true" if key else "false")
        if key in mapping:
            raise DefinitionError([Problem(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)])
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    seq = Seq(loader.construct_object(child, deep=True) for child in node.value)
    seq.line = node.start_mark.line + 1
    return seq


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_source(text: str, file: str = "<workflow>") -> Any:
    """Parse YAML or JSON text (JSON is read by the same YAML parser, so lines are known for both)."""
    try:
        return yaml.load(text, Loader=_Loader)
    except DefinitionError as e:
        raise DefinitionError([Problem(p.message, file, p.line, p.step) for p in e.problems]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DefinitionError([Problem(f"not valid YAML/JSON: {getattr(e, 'problem', e)}", file, line)]) from None


def line_of(value: Any) -> int | None:
    return getattr(value, "line", None)


def plain(value: Any) -> Any:
    """The same value with Node/Seq turned back into dict/list (for values handed to a running workflow)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
