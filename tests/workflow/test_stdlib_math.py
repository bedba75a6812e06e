"""math.*: https://cloud.google.com/workflows/docs/reference/stdlib/math/abs (floor, max, min)"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from tests.workflow.stdlib_calls import call, tag_of


def test_abs_keeps_type() -> None:
    assert call("math.abs", -3) == 3 and type(call("math.abs", -3)) is int
    assert call("math.abs", -2.5) == 2.5
    assert tag_of("math.abs", -(2**63)) == "ValueError"


def test_floor_returns_integer() -> None:
    assert call("math.floor", 2.7) == 2 and type(call("math.floor", 2.7)) is int
    assert call("math.floor", -2.1) == -3
    assert call("math.floor", 5) == 5
    assert tag_of("math.floor", float("inf")) == "ValueError"


def test_max_min() -> None:
    assert call("math.max", 1, 2.5) == 2.5
    assert call("math.min", 1, 2.5) == 1
    fn = stdlib.lookup("math.max")
    assert fn.impl(*fn.bind({"x": 3, "y": -1})) == 3


@pytest.mark.parametrize("name", ["math.abs", "math.floor"])
@pytest.mark.parametrize("bad", ["1", True, None, [1]])
def test_unary_type_error(name: str, bad: Any) -> None:
    assert tag_of(name, bad) == "TypeError"


@pytest.mark.parametrize("name", ["math.max", "math.min"])
def test_binary_type_error(name: str) -> None:
    assert tag_of(name, 1, "2") == "TypeError"
    assert tag_of(name, False, 2) == "TypeError"
