"""Limits that protect the service: the request-body size (an ASGI middleware that reads at most the limit) and
the per-key request rate (a sliding window per key, in this process's memory).

The rate window is per instance: on Cloud Run each instance counts for itself, so the effective limit is the
key's limit times the number of instances. The books-per-day limit is not here: it is counted from the key's
durable index (`bookgen.api.books`), which every instance shares.
"""

from __future__ import annotations

import collections
import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from bookgen.api.errors import error_body


class BodyLimit:
    """Answer 413 when a request body exceeds `max_bytes` (by Content-Length, or by counting a chunked body),
    before the app reads any of it into a model."""

    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Callable) -> None:
        body = json.dumps(error_body("body_too_large", f"the request body is larger than {self.max_bytes} "
                                     "bytes (setting BOOKGEN_API_MAX_BODY_BYTES)")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """At most `limit` requests per key in any 60-second window. `check` returns 0 when the request may go
    ahead (and counts it), otherwise the whole seconds until it may (for Retry-After)."""

    WINDOW_S = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._hits: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def check(self, key: str, limit: int) -> int:
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.WINDOW_S:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, math.ceil(hits[0] + self.WINDOW_S - now))
            hits.append(now)
            return 0
