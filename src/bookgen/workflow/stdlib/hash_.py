"""The `hash` module: `hash.compute_checksum` and `hash.compute_hmac`
(https://cloud.google.com/workflows/docs/reference/stdlib/hash/compute_checksum, .../compute_hmac).

Algorithms by name, case-insensitive, with or without a dash: MD5, SHA1, SHA256, SHA384, SHA512. The result is
the raw digest as bytes (use base64.encode for text).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, fail

_ALGORITHMS = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512"}


def _algorithm(fn: str, algorithm: Any) -> str:
    check(fn, "algorithm", algorithm, "string")
    name = _ALGORITHMS.get(algorithm.upper().replace("-", ""))
    if name is None:
        fail("ValueError", fn, f"unsupported algorithm {algorithm!r} (one of {', '.join(_ALGORITHMS)})")
    return name


@function("hash.compute_checksum", ("data", "algorithm"))
def compute_checksum(data: Any, algorithm: Any) -> bytes:
    """The digest of the bytes `data` with `algorithm`."""
    check("hash.compute_checksum", "data", data, "bytes")
    return hashlib.new(_algorithm("hash.compute_checksum", algorithm), data).digest()


@function("hash.compute_hmac", ("key", "data", "algorithm"))
def compute_hmac(key: Any, data: Any, algorithm: Any) -> bytes:
    """The HMAC of the bytes `data` under the bytes `key` with `algorithm`."""
    check("hash.compute_hmac", "key", key, "bytes")
    check("hash.compute_hmac", "data", data, "bytes")
    return hmac.new(key, data, _algorithm("hash.compute_hmac", algorithm)).digest()
