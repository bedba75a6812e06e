"""time.*: https://cloud.google.com/workflows/docs/reference/stdlib/time/format, .../parse"""

from __future__ import annotations

import pytest

from bookgen.workflow import stdlib
from tests.workflow.stdlib_calls import call, tag_of


def test_format_page_examples() -> None:
    assert call("time.format", 1720788633) == "2024-07-12T12:50:33.000000Z"
    assert call("time.format", 1720788633, "Europe/Paris") == "2024-07-12T14:50:33.000000+02:00"


def test_format_fraction_and_zones() -> None:
    fn = stdlib.lookup("time.format")
    assert fn.impl(*fn.bind({"seconds": 1720788633.25, "timezone": "America/New_York"})) == \
        "2024-07-12T08:50:33.250000-04:00"
    assert call("time.format", 0.000001) == "1970-01-01T00:00:00.000001Z"
    assert call("time.format", -1) == "1969-12-31T23:59:59.000000Z"
    assert call("time.format", 1720788633, "UTC") == "2024-07-12T12:50:33.000000Z"
    assert call("time.format", 1720788633, "Asia/Kolkata") == "2024-07-12T18:20:33.000000+05:30"


def test_format_errors() -> None:
    assert tag_of("time.format", "1720788633") == "TypeError"
    assert tag_of("time.format", True) == "TypeError"
    assert tag_of("time.format", 0, 1) == "TypeError"
    assert tag_of("time.format", 0, "Mars/Olympus") == "ValueError"
    assert tag_of("time.format", 1e300) == "ValueError"


def test_parse_page_example() -> None:
    result = call("time.parse", "2024-05-08T12:01:00.000000Z")
    assert result == 1715169660 and type(result) is float


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-07-12T14:50:33.123456+02:00", 1720788633.123456),
    ("2024-07-12t12:50:33z", 1720788633.0),
    ("1970-01-01T00:00:00.5-00:30", 1800.5),
])
def test_parse(text: str, expected: float) -> None:
    assert call("time.parse", text) == expected


@pytest.mark.parametrize("bad", ["2024-07-12", "2024-07-12T12:50:33", "2024-13-01T00:00:00Z",
                                 "2024-07-12 12:50:33Z", "2024-07-12T12:50:33+2:00", "yesterday"])
def test_parse_value_error(bad: str) -> None:
    assert tag_of("time.parse", bad) == "ValueError"


def test_parse_type_error() -> None:
    assert tag_of("time.parse", 1720788633) == "TypeError"


def test_round_trip() -> None:
    assert call("time.parse", call("time.format", 1720788633.5, "Europe/Paris")) == 1720788633.5
