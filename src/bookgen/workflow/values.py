"""Values of the workflow language and the rules that apply to them.

Workflow values are plain Python values: int (64-bit), float (double), str, bool, bytes, None, list, dict
(str keys). `bool` is a subclass of `int` in Python but never in Workflows, so every type test goes through
`type_name`.
"""

from __future__ import annotations

from typing import Any

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class FunctionRef:
    """A reference to a function, policy or subworkflow used as a value, e.g. `${http.default_retry_predicate}`."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionRef) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("FunctionRef", self.name))

    def __repr__(self) -> str:
        return f"FunctionRef({self.name!r})"


def type_name(value: Any) -> str:
    """The Workflows name of a value's type, as `get_type()` reports it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, FunctionRef):
        return "function"
    raise TypeError(f"not a workflow value: {type(value).__name__}")


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float))) and not isinstance(value, bool)


def size_of(value: Any) -> int:
    """Bytes a value counts against the 512 KB variable limit (variables page: scalars 8 B; strings, bytes and
    lists 8 B plus their elements; maps 8 B plus keys and values)."""
    if isinstance(value, str):
        return 8 + len(value.encode("utf-8")) if not value.isascii() else 8 + len(value)
    if isinstance(value, bytes):
        return 8 + len(value)
    if isinstance(value, list):
        return 8 + sum(size_of(v) for v in value)
    if isinstance(value, dict):
        return 8 + sum(len(k) + size_of(v) for k, v in value.items())
    return 8


def copy_value(value: Any) -> Any:
    """Workflows passes values by value: assignment makes an independent copy."""
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    return value
