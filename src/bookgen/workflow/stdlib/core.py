"""Expression helpers (https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers).

The global functions `len`, `keys`, `default`, `string`, `int`, `double`, `get_type` and `if`, plus the small
argument-checking helpers every other stdlib module of this package uses (`check`, `kind`, `fail`).
"""

from __future__ import annotations

import math
import re
from typing import Any, NoReturn

from bookgen.workflow.errors import error
from bookgen.workflow.stdlib import function
from bookgen.workflow.values import INT_MAX, INT_MIN, type_name

# --------------------------------------------------------------------------------------------- shared helpers


def kind(value: Any) -> str:
    """`values.type_name`, but never raises: a stray Python object is reported by its class name."""
    try:
        return type_name(value)
    except TypeError:
        return type(value).__name__


def fail(tag: str, fn: str, what: str) -> NoReturn:
    """Raise the workflow error `tag` with the message "<fn>: <what>"."""
    raise error(tag, f"{fn}: {what}")


def check(fn: str, arg: str, value: Any, *types: str) -> Any:
    """Return `value` if its workflow type is one of `types` (e.g. "string", "integer"), else raise TypeError."""
    got = kind(value)
    if got not in types:
        want = " or ".join(types)
        fail("TypeError", fn, f"argument '{arg}' must be {want}, got {got}")
    return value


def check_number(fn: str, arg: str, value: Any) -> int | float:
    """An integer or a double (never a boolean)."""
    return check(fn, arg, value, "integer", "double")


def fits_int64(value: int) -> bool:
    return INT_MIN <= value <= INT_MAX


def format_double(value: float) -> str:
    """How a double is written by `string()` (and inside JSON): the shortest text that reads back to the
    same double, always with a fractional part or exponent so it stays a double (`2.0`, `0.1`, `1e+20`)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


# ------------------------------------------------------------------------------------------- the helpers

_INT_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_DOUBLE_TEXT = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


@function("len", ("value",))
def len_(value: Any) -> int:
    """Length of a string (characters), list (elements) or map (entries)."""
    check("len", "value", value, "string", "list", "map")
    return len(value)


@function("keys", ("map",))
def keys(m: Any) -> list[str]:
    """The keys of a map, as a list (in the map's order)."""
    check("keys", "map", m, "map")
    return list(m)


@function("default", ("val", "defaultVal"))
def default(val: Any, default_val: Any) -> Any:
    """`val` unless it is null, then `defaultVal` (0, "" and false are kept)."""
    return default_val if val is None else val


@function("if", ("condition", "ifTrue", "ifFalse"))
def if_(condition: Any, if_true: Any, if_false: Any) -> Any:
    """`ifTrue` when the condition is true, `ifFalse` when it is false or null."""
    check("if", "condition", condition, "boolean", "null")
    return if_true if condition is True else if_false


@function("get_type", ("value",))
def get_type(value: Any) -> str:
    """The name of the value's type: boolean, bytes, double, function, integer, list, map, null, string."""
    return kind(value)


@function("string", ("value",))
def string(value: Any) -> str:
    """An integer, double or boolean as text (a string is returned unchanged)."""
    check("string", "value", value, "integer", "double", "boolean", "string")
    t = kind(value)
    if t == "boolean":
        return "true" if value else "false"
    if t == "double":
        return format_double(value)
    return str(value)


@function("int", ("value",))
def int_(value: Any) -> int:
    """A string (decimal integer text) or a double (truncated toward zero) as an integer."""
    t = kind(value)
    check("int", "value", value, "string", "double", "integer")
    if t == "integer":
        return value
    if t == "double":
        if math.isnan(value) or math.isinf(value):
            fail("ValueError", "int", f"cannot convert {format_double(value)} to an integer")
        result = int(value)
    else:
        if not _INT_TEXT.fullmatch(value):
            fail("ValueError", "int", f"cannot parse {value!r} as an integer")
        result = int(value)
    if not fits_int64(result):
        fail("ValueError", "int", f"{value!r} is out of the 64-bit integer range")
    return result


@function("double", ("value",))
def double(value: Any) -> float:
    """A string (decimal number text) or an integer as a double."""
    t = kind(value)
    check("double", "value", value, "string", "integer", "double")
    if t == "string":
        if not _DOUBLE_TEXT.fullmatch(value):
            fail("ValueError", "double", f"cannot parse {value!r} as a double")
        result = float(value)
        if math.isinf(result):
            fail("ValueError", "double", f"{value!r} is out of the double range")
        return result
    return float(value)
