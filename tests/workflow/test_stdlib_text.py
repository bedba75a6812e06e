"""text.*: https://cloud.google.com/workflows/docs/reference/stdlib/text/split and sibling pages
(substring, replace_all_regex, encode, decode, find_all, find_all_regex, match_regex, ...)."""

from __future__ import annotations

import pytest

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError
from tests.workflow.stdlib_calls import call, named, tag_of


# text.split page examples
@pytest.mark.parametrize(("source", "sep", "expected"), [
    ("baaab", "aa", ["b", "ab"]), ("abc", "a", ["", "bc"]), ("abc", "c", ["ab", ""]),
    ("abbc", "b", ["a", "", "c"]), ("abc", "x", ["abc"]),
])
def test_split(source: str, sep: str, expected: list[str]) -> None:
    assert call("text.split", source, sep) == expected


def test_split_named_and_errors() -> None:
    assert named("text.split", source="a,b", separator=",") == ["a", "b"]
    assert tag_of("text.split", "abc", "") == "ValueError"
    assert tag_of("text.split", 1, ",") == "TypeError"
    assert tag_of("text.split", "a\ud800", ",") == "ValueError"


# text.substring page examples
def test_substring() -> None:
    assert call("text.substring", "hello", 2, 4) == "ll"
    assert call("text.substring", "hello", -10, 10) == "hello"
    assert call("text.substring", "hello", -3, -1) == "ll"
    assert call("text.substring", "hello", 4, 2) == ""
    assert tag_of("text.substring", "hello", 1.0, 2) == "TypeError"
    with pytest.raises(WorkflowError):
        stdlib.lookup("text.substring").bind({"source": "x", "start": 0})


def test_find_all() -> None:
    assert call("text.find_all", "banana", "an") == [{"index": 1, "match": "an"}, {"index": 3, "match": "an"}]
    assert call("text.find_all", "aaaa", "aa") == [{"index": 0, "match": "aa"}, {"index": 2, "match": "aa"}]
    assert call("text.find_all", "héllo", "l") == [{"index": 2, "match": "l"}, {"index": 3, "match": "l"}]
    assert call("text.find_all", "abc", "x") == []
    assert tag_of("text.find_all", "abc", None) == "TypeError"


def test_find_all_regex() -> None:
    assert named("text.find_all_regex", source="a1 b22", regexp="[0-9]+") == [
        {"index": 1, "match": "1"}, {"index": 4, "match": "22"}]
    # of matches starting at the same index the longest is taken
    assert call("text.find_all_regex", "one", "o|one") == [{"index": 0, "match": "one"}]
    assert tag_of("text.find_all_regex", "abc", "(") == "ValueError"
    assert tag_of("text.find_all_regex", "abc", "(?=a)") == "ValueError"  # no lookahead in RE2


def test_match_regex() -> None:
    assert call("text.match_regex", "hello world", "wor") is True
    assert call("text.match_regex", "hello world", "^wor") is False
    assert call("text.match_regex", "abc", "^[a-c]+$") is True
    assert tag_of("text.match_regex", "abc", 1) == "TypeError"


def test_replace_all() -> None:
    assert call("text.replace_all", "one two one", "one", "1") == "1 two 1"
    assert named("text.replace_all", source="aaa", substr="aa", repl="b") == "ba"
    assert tag_of("text.replace_all", "a", "a", None) == "TypeError"


def test_replace_all_regex() -> None:
    # page example: returns "three three"
    assert call("text.replace_all_regex", "one two", "one|two", "three") == "three three"
    # backreferences are not supported: the replacement is literal
    assert call("text.replace_all_regex", "ab", "(a)", "\\1$1") == "\\1$1b"
    # an empty expression matches at the start and after each code point: k+1 replacements
    assert call("text.replace_all_regex", "ab", "", "-") == "-a-b-"
    assert call("text.replace_all_regex", "one", "o|one", "X") == "X"
    assert tag_of("text.replace_all_regex", "a", "[", "b") == "ValueError"
    assert tag_of("text.replace_all_regex", "a", "a", 1) == "TypeError"


def test_case() -> None:
    assert call("text.to_lower", "HeLLo É") == "hello é"
    assert call("text.to_upper", "hello é") == "HELLO É"
    assert tag_of("text.to_upper", None) == "TypeError"


def test_encode_decode() -> None:
    assert call("text.encode", "é") == b"\xc3\xa9"
    assert named("text.encode", text="é", charset="ISO-8859-1") == b"\xe9"
    assert call("text.decode", b"\xc3\xa9") == "é"
    assert named("text.decode", data=b"\xe9", charset="latin-1") == "é"
    assert tag_of("text.decode", b"\xff") == "ValueError"
    assert tag_of("text.decode", b"a", "NOPE-42") == "ValueError"
    assert tag_of("text.encode", "é", "US-ASCII") == "ValueError"
    assert tag_of("text.encode", b"x") == "TypeError"
    assert tag_of("text.decode", "x") == "TypeError"


def test_url_encoding() -> None:
    assert call("text.url_encode", "a b&c/d~é") == "a%20b%26c%2Fd~%C3%A9"
    assert call("text.url_encode_plus", "a b&c") == "a+b%26c"
    assert call("text.url_decode", "a%20b%26c%2Fd~%C3%A9") == "a b&c/d~é"
    assert call("text.url_decode", "a+b") == "a+b"
    assert tag_of("text.url_decode", "100%") == "ValueError"
    assert tag_of("text.url_decode", "%ff") == "ValueError"
    assert tag_of("text.url_encode", 5) == "TypeError"
