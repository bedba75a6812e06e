"""json.*: https://cloud.google.com/workflows/docs/reference/stdlib/json/decode (encode, encode_to_string)"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow.values import FunctionRef
from tests.workflow.stdlib_calls import call, named, tag_of


def test_decode_bytes_and_string() -> None:
    assert call("json.decode", b'{"a": [1, 2.5, "\xc3\xa9", null, true]}') == {"a": [1, 2.5, "é", None, True]}
    assert named("json.decode", data="[1]") == [1]
    assert type(call("json.decode", "2.0")) is float and type(call("json.decode", "2")) is int
    assert call("json.decode", "12345678901234567890") == 1.2345678901234567e19


@pytest.mark.parametrize("bad", ["{", "", "NaN", "[1,]", "{'a': 1}", b"\xff", "1e999"])
def test_decode_value_error(bad: Any) -> None:
    assert tag_of("json.decode", bad) == "ValueError"


def test_decode_type_error() -> None:
    assert tag_of("json.decode", 5) == "TypeError"


def test_encode_is_compact_bytes_in_map_order() -> None:
    data = {"b": [1, 2.0, "é"], "a": {"n": None, "t": True}}
    assert call("json.encode", data) == '{"b":[1,2.0,"é"],"a":{"n":null,"t":true}}'.encode()
    assert call("json.encode_to_string", data) == '{"b":[1,2.0,"é"],"a":{"n":null,"t":true}}'


def test_encode_indent_true_is_four_spaces() -> None:
    # "Setting indent to true is equivalent to setting it to an empty dictionary."
    text = named("json.encode_to_string", data={"a": [1]}, indent=True)
    assert text == '{\n    "a": [\n        1\n    ]\n}'
    assert named("json.encode_to_string", data={"a": [1]}, indent={}) == text
    assert named("json.encode_to_string", data={"a": 1}, indent=False) == '{"a":1}'


def test_encode_indent_prefix() -> None:
    text = call("json.encode_to_string", {"a": [1], "b": {}}, {"prefix": "> ", "indent": "\t"})
    assert text == '{\n> \t"a": [\n> \t\t1\n> \t],\n> \t"b": {}\n> }'


@pytest.mark.parametrize("indent", [3, "  ", [True]])
def test_encode_indent_type_error(indent: Any) -> None:
    assert tag_of("json.encode", {}, indent) == "TypeError"
    assert tag_of("json.encode", {}, {"indent": 2}) == "TypeError"


def test_encode_indent_unknown_option() -> None:
    assert tag_of("json.encode", {}, {"width": "  "}) == "ValueError"


@pytest.mark.parametrize("bad", [b"bytes", [FunctionRef("retry.always")], {"x": float("nan")}])
def test_encode_value_error(bad: Any) -> None:
    # "ValueError: If the input contains types that cannot be JSON-encoded ... callable and bytes."
    assert tag_of("json.encode", bad) == "ValueError"
    assert tag_of("json.encode_to_string", bad) == "ValueError"


def test_round_trip() -> None:
    data = {"n": 1, "d": 1e20, "s": "x\n\"y\"", "l": [[], {}]}
    assert call("json.decode", call("json.encode", data)) == data
