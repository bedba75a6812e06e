"""base64.*: https://cloud.google.com/workflows/docs/reference/stdlib/base64/decode (and encode)"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from tests.workflow.stdlib_calls import call, tag_of


def test_encode() -> None:
    assert call("base64.encode", b"hello") == "aGVsbG8="
    assert call("base64.encode", b"hello", False) == "aGVsbG8"
    fn = stdlib.lookup("base64.encode")
    assert fn.impl(*fn.bind({"data": b"\xff\xfe"})) == "//4="


def test_encode_type_error() -> None:
    assert tag_of("base64.encode", "hello") == "TypeError"
    assert tag_of("base64.encode", b"x", "yes") == "TypeError"


def test_decode() -> None:
    assert call("base64.decode", "aGVsbG8=") == b"hello"
    assert call("base64.decode", "aGVs\r\nbG8=") == b"hello"  # CR and LF are ignored
    assert call("base64.decode", "aGVsbG8", False) == b"hello"
    assert call("base64.decode", "") == b""


@pytest.mark.parametrize(("data", "padding"), [
    ("aGVsbG8", None), ("aGVsbG8", True), ("aGV*bG8=", None), ("aGVsbG8=", False), ("a", False), ("a===", None),
])
def test_decode_value_error(data: str, padding: Any) -> None:
    args = [data] if padding is None else [data, padding]
    assert tag_of("base64.decode", *args) == "ValueError"


def test_decode_type_error() -> None:
    assert tag_of("base64.decode", b"aGVsbG8=") == "TypeError"


def test_pubsub_round_trip() -> None:
    # ${json.decode(base64.decode(m.receivedMessages[0].message.data))}
    message = call("base64.encode", call("json.encode", {"chapter": 3}))
    assert call("json.decode", call("base64.decode", message)) == {"chapter": 3}
