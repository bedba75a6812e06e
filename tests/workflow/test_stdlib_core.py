"""Expression helpers: https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.values import FunctionRef


def call(name: str, *args: Any) -> Any:
    fn = stdlib.lookup(name)
    assert fn is not None, name
    return fn.impl(*fn.bind(list(args)))


def named(name: str, **kwargs: Any) -> Any:
    fn = stdlib.lookup(name)
    assert fn is not None, name
    return fn.impl(*fn.bind(kwargs))


def tag_of(name: str, *args: Any) -> str:
    with pytest.raises(WorkflowError) as info:
        call(name, *args)
    assert info.value.value["message"].startswith(name)
    return info.value.tags[0]


def test_registered_with_params() -> None:
    assert stdlib.lookup("default").params == ("val", "defaultVal")
    assert stdlib.lookup("if").params == ("condition", "ifTrue", "ifFalse")
    for name in ("len", "keys", "string", "int", "double", "get_type"):
        fn = stdlib.lookup(name)
        assert fn is not None and not fn.blocking and not fn.runtime


# len: "A string returns the number of characters in the string."
@pytest.mark.parametrize(("value", "expected"), [("héllo", 5), ("", 0), ([1, [2, 3]], 2), ({"a": 1}, 1)])
def test_len(value: Any, expected: int) -> None:
    assert call("len", value) == expected


@pytest.mark.parametrize("value", [None, 5, 2.5, True, b"ab"])
def test_len_type_error(value: Any) -> None:
    assert tag_of("len", value) == "TypeError"


def test_keys() -> None:
    m = {"b": 1, "a": 2}
    result = call("keys", m)
    assert result == ["b", "a"]
    result.append("x")
    assert m == {"b": 1, "a": 2}
    assert tag_of("keys", [1]) == "TypeError"


# default: "If val is null, defaultVal is returned."
@pytest.mark.parametrize(("val", "expected"), [(None, 5), (0, 0), ("", ""), (False, False), ([], [])])
def test_default_replaces_only_null(val: Any, expected: Any) -> None:
    assert call("default", val, 5) == expected


def test_default_named_args() -> None:
    assert named("default", val=None, defaultVal="x") == "x"


# if: "If condition evaluates to false or null, ifFalse is returned."
def test_if() -> None:
    assert call("if", True, "a", "b") == "a"
    assert call("if", False, "a", "b") == "b"
    assert call("if", None, "a", "b") == "b"
    assert tag_of("if", 1, "a", "b") == "TypeError"
    assert tag_of("if", "true", "a", "b") == "TypeError"


@pytest.mark.parametrize(("value", "expected"), [
    (None, "null"), (True, "boolean"), (1, "integer"), (1.5, "double"), ("s", "string"), (b"b", "bytes"),
    ([], "list"), ({}, "map"), (FunctionRef("retry.always"), "function"),
])
def test_get_type(value: Any, expected: str) -> None:
    assert call("get_type", value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (42, "42"), (-7, "-7"), (True, "true"), (False, "false"), (2.0, "2.0"), (0.1, "0.1"), (2.5, "2.5"),
    (1e20, "1e+20"), (1635892223.4459958, "1635892223.4459958"), ("already", "already"),
])
def test_string(value: Any, expected: str) -> None:
    assert call("string", value) == expected


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, b"x"])
def test_string_type_error(value: Any) -> None:
    assert tag_of("string", value) == "TypeError"


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), ("-3", -3), ("+4", 4), (" 5 ", 5), (2.7, 2), (-2.7, -2), (7, 7), ("9223372036854775807", 2**63 - 1),
])
def test_int(value: Any, expected: int) -> None:
    result = call("int", value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value", ["x", "2.5", "1_000", "", "9223372036854775808", 1e30, float("nan")])
def test_int_value_error(value: Any) -> None:
    assert tag_of("int", value) == "ValueError"


@pytest.mark.parametrize("value", [True, None, [1]])
def test_int_type_error(value: Any) -> None:
    assert tag_of("int", value) == "TypeError"


@pytest.mark.parametrize(("value", "expected"), [
    ("4.5", 4.5), ("1e3", 1000.0), (".5", 0.5), ("-2", -2.0), (3, 3.0), (1.25, 1.25),
])
def test_double(value: Any, expected: float) -> None:
    result = call("double", value)
    assert result == expected and type(result) is float


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "1e999", "1_0"])
def test_double_value_error(value: Any) -> None:
    assert tag_of("double", value) == "ValueError"


@pytest.mark.parametrize("value", [False, None, {}])
def test_double_type_error(value: Any) -> None:
    assert tag_of("double", value) == "TypeError"


def test_missing_argument_is_type_error() -> None:
    fn = stdlib.lookup("default")
    with pytest.raises(WorkflowError) as info:
        fn.bind([None])
    assert info.value.tags == ["TypeError"]
