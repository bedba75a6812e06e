"""The `json` module (https://cloud.google.com/workflows/docs/reference/stdlib/json/decode, .../encode,
.../encode_to_string).

Encoding is compact (`{"a":1,"b":[1,2]}`), keeps map order, writes non-ASCII text as UTF-8 (not \\u escapes)
and writes doubles like `string()` does (`2.0`, `1e+20`) so they decode back to doubles. With `indent`, each
element starts on a new line beginning with `prefix` followed by copies of `indent` per nesting level, and
`"key": value` pairs get one space after the colon (the first line carries no prefix).
"""

from __future__ import annotations

import json
import math
from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, fail, fits_int64, format_double, kind


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def _parse_int(text: str) -> int | float:
    """Integers outside the 64-bit range are read as doubles."""
    value = int(text)
    return value if fits_int64(value) else _parse_float(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of the double range")
    return value


@function("json.decode", ("data",))
def decode(data: Any) -> Any:
    """Parse JSON given as bytes (UTF-8) or a string. ValueError if it is not valid JSON."""
    check("json.decode", "data", data, "bytes", "string")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            fail("ValueError", "json.decode", f"data is not valid UTF-8: {exc}")
    try:
        return json.loads(data, parse_constant=_reject_constant, parse_int=_parse_int,
                          parse_float=_parse_float)
    except (ValueError, RecursionError) as exc:
        fail("ValueError", "json.decode", f"invalid JSON: {exc}")


def _check_encodable(fn: str, value: Any) -> None:
    """ValueError unless `value` can be JSON-encoded (no bytes, functions, NaN or infinities)."""
    t = kind(value)
    if t == "double" and (math.isnan(value) or math.isinf(value)):
        fail("ValueError", fn, f"cannot JSON-encode the double {format_double(value)}")
    elif t == "list":
        for v in value:
            _check_encodable(fn, v)
    elif t == "map":
        for v in value.values():
            _check_encodable(fn, v)
    elif t not in ("null", "boolean", "integer", "double", "string"):
        fail("ValueError", fn, f"cannot JSON-encode a value of type {t}")


def _indent_options(fn: str, indent: Any) -> tuple[str, str] | None:
    """(prefix, indent) when indentation is on, None when it is off."""
    if indent is None or indent is False:
        return None
    if indent is True:
        return "", "    "
    check(fn, "indent", indent, "boolean", "map")
    unknown = sorted(set(indent) - {"prefix", "indent"})
    if unknown:
        fail("ValueError", fn, f"unknown indent option(s): {', '.join(unknown)}")
    prefix = check(fn, "indent.prefix", indent.get("prefix", ""), "string")
    step = check(fn, "indent.indent", indent.get("indent", "    "), "string")
    return prefix, step


def encode_text(fn: str, data: Any, indent: Any = None) -> str:
    """The JSON text of `data` (shared by json.encode / json.encode_to_string; usable by other modules).
    Doubles come out as Python's shortest round-trip repr, which is exactly `format_double`."""
    options = _indent_options(fn, indent)
    _check_encodable(fn, data)
    if options is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    prefix, step = options
    text = json.dumps(data, ensure_ascii=False, separators=(",", ": "), indent=step, allow_nan=False)
    if prefix:
        first, *rest = text.split("\n")
        text = "\n".join([first] + [prefix + line for line in rest])
    return text


@function("json.encode", ("data", "indent"), required=1)
def encode(data: Any, indent: Any = None) -> bytes:
    """JSON-encode `data` to UTF-8 bytes. `indent`: true, false, or a map {prefix, indent}. ValueError for
    values JSON cannot hold (bytes, functions)."""
    return encode_text("json.encode", data, indent).encode("utf-8")


@function("json.encode_to_string", ("data", "indent"), required=1)
def encode_to_string(data: Any, indent: Any = None) -> str:
    """Like json.encode, but returns a string."""
    return encode_text("json.encode_to_string", data, indent)
