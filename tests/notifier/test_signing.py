"""Webhook signatures: the format receivers implement, and `verify` rejecting what it must."""

from __future__ import annotations

from bookgen.notifier.signing import sign, verify

SECRET, TS, BODY = "whsec_test", 1_700_000_000, b'{"a":1}'


def test_known_answer() -> None:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    assert sign(SECRET, TS, BODY) == "sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"


def test_round_trip() -> None:
    assert verify(SECRET, sign(SECRET, TS, BODY), str(TS), BODY, now=TS + 5)


def test_tampered_body() -> None:
    assert not verify(SECRET, sign(SECRET, TS, BODY), str(TS), b'{"a":2}', now=TS)


def test_wrong_secret() -> None:
    assert not verify("another-secret", sign(SECRET, TS, BODY), str(TS), BODY, now=TS)


def test_timestamp_is_signed() -> None:
    assert not verify(SECRET, sign(SECRET, TS, BODY), str(TS + 1), BODY, now=TS)


def test_stale_and_future_timestamps() -> None:
    signature = sign(SECRET, TS, BODY)
    assert verify(SECRET, signature, str(TS), BODY, now=TS + 299)
    assert not verify(SECRET, signature, str(TS), BODY, now=TS + 301)
    assert not verify(SECRET, signature, str(TS), BODY, now=TS - 301)
    assert verify(SECRET, signature, str(TS), BODY, now=TS + 3000, tolerance_s=3600)


def test_missing_or_malformed_headers() -> None:
    signature = sign(SECRET, TS, BODY)
    assert not verify(SECRET, None, str(TS), BODY, now=TS)
    assert not verify(SECRET, signature, None, BODY, now=TS)
    assert not verify(SECRET, signature, "yesterday", BODY, now=TS)
    assert not verify(SECRET, signature.removeprefix("sha256="), str(TS), BODY, now=TS)
    assert not verify(SECRET, "sha256=é", str(TS), BODY, now=TS)
    assert not verify("", sign("", TS, BODY), str(TS), BODY, now=TS)
