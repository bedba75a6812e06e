"""The `text` module (https://cloud.google.com/workflows/docs/reference/stdlib/text/split and siblings).

Indexes are character (code point) offsets. Regular expressions use RE2 syntax (the `re2` module); where
matches overlap the leftmost wins, and of several matches starting at the same index the longest wins (the
text.replace_all_regex page). Replacement strings are literal: backreferences such as `\\1` are not supported.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from typing import Any

import re2

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, fail


def _string(fn: str, arg: str, value: Any) -> str:
    """A string argument that must also be encodable as UTF-8 (ValueError for lone surrogates)."""
    check(fn, arg, value, "string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail("ValueError", fn, f"argument '{arg}' is not valid UTF-8")
    return value


@functools.lru_cache(maxsize=256)
def _compile_cached(pattern: str) -> Any:
    options = re2.Options()
    options.longest_match = True
    options.log_errors = False
    return re2.compile(pattern, options)


def _regex(fn: str, pattern: Any) -> Any:
    _string(fn, "regexp", pattern)
    try:
        return _compile_cached(pattern)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        fail("ValueError", fn, f"invalid regular expression {pattern!r}: {detail}")


def _charset(fn: str, charset: Any) -> str:
    if charset is None:
        return "utf-8"
    return check(fn, "charset", charset, "string")


@function("text.encode", ("text", "charset"), required=1)
def encode(text: Any, charset: Any = None) -> bytes:
    """The string `text` as bytes in `charset` (default UTF-8)."""
    check("text.encode", "text", text, "string")
    name = _charset("text.encode", charset)
    try:
        return text.encode(name)
    except LookupError:
        fail("ValueError", "text.encode", f"unsupported charset {name!r}")
    except UnicodeEncodeError as exc:
        fail("ValueError", "text.encode", f"cannot encode in {name}: {exc.reason}")


@function("text.decode", ("data", "charset"), required=1)
def decode(data: Any, charset: Any = None) -> str:
    """The bytes `data` as a string, read in `charset` (default UTF-8). ValueError for invalid bytes."""
    check("text.decode", "data", data, "bytes")
    name = _charset("text.decode", charset)
    try:
        return data.decode(name)
    except LookupError:
        fail("ValueError", "text.decode", f"unsupported charset {name!r}")
    except UnicodeDecodeError as exc:
        fail("ValueError", "text.decode", f"data is not valid {name}: {exc.reason}")


@function("text.split", ("source", "separator"))
def split(source: Any, separator: Any) -> list[str]:
    """The substrings of `source` between instances of `separator` (empty substrings included)."""
    _string("text.split", "source", source)
    _string("text.split", "separator", separator)
    if separator == "":
        fail("ValueError", "text.split", "separator must not be empty")
    return source.split(separator)


@function("text.substring", ("source", "start", "end"))
def substring(source: Any, start: Any, end: Any) -> str:
    """Characters [start, end) of `source`; negative indexes count from the end; both are clamped."""
    check("text.substring", "source", source, "string")
    check("text.substring", "start", start, "integer")
    check("text.substring", "end", end, "integer")
    return source[start:end]


@function("text.find_all", ("source", "substr"))
def find_all(source: Any, substr: Any) -> list[dict[str, Any]]:
    """Every non-overlapping instance (leftmost first) of `substr` in `source`: [{index, match}]."""
    _string("text.find_all", "source", source)
    _string("text.find_all", "substr", substr)
    if substr == "":
        return [{"index": i, "match": ""} for i in range(len(source) + 1)]
    found, i = [], source.find(substr)
    while i >= 0:
        found.append({"index": i, "match": substr})
        i = source.find(substr, i + len(substr))
    return found


@function("text.find_all_regex", ("source", "regexp"))
def find_all_regex(source: Any, regexp: Any) -> list[dict[str, Any]]:
    """Every non-overlapping match of `regexp` in `source`: [{index, match}]."""
    _string("text.find_all_regex", "source", source)
    compiled = _regex("text.find_all_regex", regexp)
    return [{"index": m.start(), "match": m.group()} for m in compiled.finditer(source)]


@function("text.match_regex", ("source", "regexp"))
def match_regex(source: Any, regexp: Any) -> bool:
    """Whether `regexp` matches anywhere in `source` (anchor with ^ and $ for a full match)."""
    _string("text.match_regex", "source", source)
    return _regex("text.match_regex", regexp).search(source) is not None


@function("text.replace_all", ("source", "substr", "repl"))
def replace_all(source: Any, substr: Any, repl: Any) -> str:
    """`source` with every non-overlapping instance of `substr` replaced by `repl`."""
    _string("text.replace_all", "source", source)
    _string("text.replace_all", "substr", substr)
    _string("text.replace_all", "repl", repl)
    return source.replace(substr, repl)


@function("text.replace_all_regex", ("source", "regexp", "repl"))
def replace_all_regex(source: Any, regexp: Any, repl: Any) -> str:
    """`source` with every match of `regexp` replaced by the literal string `repl`."""
    _string("text.replace_all_regex", "source", source)
    compiled = _regex("text.replace_all_regex", regexp)
    _string("text.replace_all_regex", "repl", repl)
    return compiled.sub(lambda _match: repl, source)


@function("text.to_lower", ("source",))
def to_lower(source: Any) -> str:
    """`source` in lower case."""
    return _string("text.to_lower", "source", source).lower()


@function("text.to_upper", ("source",))
def to_upper(source: Any) -> str:
    """`source` in upper case."""
    return _string("text.to_upper", "source", source).upper()


@function("text.url_encode", ("source",))
def url_encode(source: Any) -> str:
    """Percent-encode the UTF-8 bytes of `source`; only A-Z a-z 0-9 - _ . ~ stay as they are (space: %20)."""
    return urllib.parse.quote(_string("text.url_encode", "source", source), safe="")


@function("text.url_encode_plus", ("source",))
def url_encode_plus(source: Any) -> str:
    """Like text.url_encode, but a space becomes `+` (form encoding)."""
    return urllib.parse.quote_plus(_string("text.url_encode_plus", "source", source), safe="")


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@function("text.url_decode", ("source",))
def url_decode(source: Any) -> str:
    """Undo percent-encoding (`%XX` sequences, read as UTF-8); `+` is kept as is. ValueError for a malformed
    escape or bytes that are not UTF-8."""
    _string("text.url_decode", "source", source)
    if _BAD_ESCAPE.search(source):
        fail("ValueError", "text.url_decode", f"malformed percent-escape in {source!r}")
    try:
        return urllib.parse.unquote(source, errors="strict")
    except UnicodeDecodeError:
        fail("ValueError", "text.url_decode", "decoded bytes are not valid UTF-8")
