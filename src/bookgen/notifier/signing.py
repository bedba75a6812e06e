"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body bytes.

Every delivery carries three headers:

    X-Bookgen-Event-Id:  the event's id (the same on every retry: deduplicate on it)
    X-Bookgen-Timestamp: Unix seconds when the delivery was signed
    X-Bookgen-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

The timestamp is inside the signed bytes so that a captured delivery cannot be replayed later with a fresh
timestamp; receivers reject timestamps older than a few minutes. A receiver checks a delivery with `verify`
(or the same three lines in any language) on the raw body, before parsing it:

    from bookgen.notifier.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
    ok = verify(secret, request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER), raw_body)
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Bookgen-Signature"
TIMESTAMP_HEADER = "X-Bookgen-Timestamp"
EVENT_ID_HEADER = "X-Bookgen-Event-Id"
PREFIX = "sha256="
DEFAULT_TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + the hex HMAC-SHA256 of `"<timestamp>." + body` under `secret` (UTF-8)."""
    mac = hmac.new(secret.encode("utf-8"), f"{int(timestamp)}.".encode("ascii") + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def verify(secret: str, signature_header: str | None, timestamp_header: str | None, body: bytes, *,
           tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> bool:
    """True when `signature_header` is the signature of `body` at `timestamp_header` under `secret` and the
    timestamp is within `tolerance_s` of `now` (default: the clock). The comparison takes constant time, so
    the response time tells an attacker nothing about how much of a forged signature was right. Missing or
    malformed headers are False, never an exception."""
    if not secret or not signature_header or not timestamp_header:
        return False
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), signature_header.strip().encode("utf-8", "replace"))
