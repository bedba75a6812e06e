"""hash.*: https://cloud.google.com/workflows/docs/reference/stdlib/hash/compute_checksum (compute_hmac)"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bookgen.workflow import stdlib
from tests.workflow.stdlib_calls import call, tag_of


@pytest.mark.parametrize(("algorithm", "py"), [("SHA256", "sha256"), ("sha-512", "sha512"), ("MD5", "md5"),
                                               ("SHA1", "sha1"), ("SHA384", "sha384")])
def test_checksum(algorithm: str, py: str) -> None:
    assert call("hash.compute_checksum", b"abc", algorithm) == hashlib.new(py, b"abc").digest()


def test_hmac() -> None:
    fn = stdlib.lookup("hash.compute_hmac")
    got = fn.impl(*fn.bind({"key": b"k", "data": b"msg", "algorithm": "SHA256"}))
    assert got == hmac.new(b"k", b"msg", "sha256").digest()


def test_errors() -> None:
    assert tag_of("hash.compute_checksum", "abc", "SHA256") == "TypeError"
    assert tag_of("hash.compute_checksum", b"abc", "CRC99") == "ValueError"
    assert tag_of("hash.compute_checksum", b"abc", 256) == "TypeError"
    assert tag_of("hash.compute_hmac", "k", b"m", "SHA256") == "TypeError"
