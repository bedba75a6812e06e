"""The `math` module (https://cloud.google.com/workflows/docs/reference/stdlib/math/abs, floor, max, min)."""

from __future__ import annotations

import math
from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check_number, fail, fits_int64, format_double


@function("math.abs", ("x",))
def abs_(x: Any) -> int | float:
    """The absolute value of x, keeping its type (integer stays integer)."""
    check_number("math.abs", "x", x)
    result = abs(x)
    if isinstance(result, int) and not fits_int64(result):
        fail("ValueError", "math.abs", f"integer overflow: abs({x})")
    return result


@function("math.floor", ("x",))
def floor(x: Any) -> int:
    """The largest integer less than or equal to x, as an integer."""
    check_number("math.floor", "x", x)
    if isinstance(x, int):
        return x
    if math.isnan(x) or math.isinf(x):
        fail("ValueError", "math.floor", f"cannot floor {format_double(x)}")
    result = math.floor(x)
    if not fits_int64(result):
        fail("ValueError", "math.floor", f"{format_double(x)} is out of the 64-bit integer range")
    return result


@function("math.max", ("x", "y"))
def max_(x: Any, y: Any) -> int | float:
    """The larger of x and y (returned as given, so its type is kept; x on a tie)."""
    check_number("math.max", "x", x)
    check_number("math.max", "y", y)
    return max(x, y)


@function("math.min", ("x", "y"))
def min_(x: Any, y: Any) -> int | float:
    """The smaller of x and y (returned as given, so its type is kept; x on a tie)."""
    check_number("math.min", "x", x)
    check_number("math.min", "y", y)
    return min(x, y)
