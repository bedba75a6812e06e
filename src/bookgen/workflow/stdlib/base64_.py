"""The `base64` module (https://cloud.google.com/workflows/docs/reference/stdlib/base64/encode, .../decode).

Standard alphabet (`+` and `/`). `padding` (default true) controls the trailing `=` characters.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, fail

_ALPHABET = re.compile(r"[A-Za-z0-9+/]*")


def _padding(fn: str, padding: Any) -> bool:
    return True if padding is None else check(fn, "padding", padding, "boolean")


@function("base64.encode", ("data", "padding"), required=1)
def encode(data: Any, padding: Any = None) -> str:
    """Base64 text of the bytes `data`; without `=` padding when `padding` is false."""
    check("base64.encode", "data", data, "bytes")
    text = base64.b64encode(data).decode("ascii")
    return text if _padding("base64.encode", padding) else text.rstrip("=")


@function("base64.decode", ("data", "padding"), required=1)
def decode(data: Any, padding: Any = None) -> bytes:
    """The bytes of Base64 text. CR and LF characters are ignored. ValueError for characters outside the
    alphabet, or (with `padding` true, the default) for input that is not a padded multiple of 4."""
    check("base64.decode", "data", data, "string")
    padded = _padding("base64.decode", padding)
    text = data.replace("\r", "").replace("\n", "")
    body = text.rstrip("=") if padded else text
    pad = len(text) - len(body)
    if not _ALPHABET.fullmatch(body):
        fail("ValueError", "base64.decode", "input contains characters outside the Base64 alphabet")
    if len(body) % 4 == 1:
        fail("ValueError", "base64.decode", "input has an impossible length for Base64")
    if padded:
        if len(text) % 4 != 0 or pad > 2:
            fail("ValueError", "base64.decode", "input is not padded to a multiple of 4 characters")
    else:
        text = body + "=" * (-len(body) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the checks above catch these
        fail("ValueError", "base64.decode", str(exc))
