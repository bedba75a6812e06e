"""One webhook delivery: POST the signed body to the callback URL, retried with backoff, never redirected.

Every attempt first checks the URL again (`targets.check_callback_url`: DNS may have changed since the last
attempt or since the API accepted the URL) and then connects to the address that check approved, not to the
host name: `https://<ip>:<port>/path` with the original `Host` header and, for https, the host name as TLS
SNI (`extensions={"sni_hostname": host}`), so the certificate is still verified against the host name. A
second DNS lookup by the HTTP library could otherwise return a private address (DNS rebinding).

Requests go straight to an httpx transport, without an `httpx.Client`: nothing can follow a redirect, no proxy
from the environment can take the connection elsewhere, and httpx's request log line, which shows the whole
URL (callback URLs often carry the receiver's token in the query string), is not written.

Outcomes: 2xx → "delivered". Connection errors, timeouts, 429 and 5xx are retried, at most
`max_attempts` attempts in all, waiting `backoff_s * 2**(n-1)` (capped at `max_backoff_s`) after attempt n,
or the receiver's numeric Retry-After (capped the same way). A 3xx is a failure: following a redirect would
leave the checked address. Any other 4xx stops at once ("failed"): the receiver refused it and will again. A
URL that fails the check stops at once ("refused"). The response body is never read. With a stop event's
`wait` as `sleep`, a wait that ends because the event was set ends the delivery as "interrupted" (not final:
the event is delivered again after a restart), so stopping a process does not wait for the backoffs.

This function is the only retry owner for webhooks; the notifier's callers (Pub/Sub) do not retry a recorded
outcome. A new transport per delivery: a pooled connection to the same address must not be reused for another
host name (its certificate was verified for the first one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from bookgen.notifier.targets import Resolver, Target, UnsafeTarget, check_callback_url, resolve_host

log = logging.getLogger(__name__)

FINAL_STATUSES = ("delivered", "failed", "refused")
Headers = Mapping[str, str] | Callable[[], Mapping[str, str]]


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard and where a delivery may try; `from_settings` reads the `webhook_*` settings."""

    max_attempts: int = 6
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 10.0
    allow_http: bool = False
    allow_private: bool = False
    verify: bool | str | ssl.SSLContext = True  # TLS verification: True (system CAs), a CA file or a context

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> DeliveryPolicy:
        values = {"max_attempts": settings.webhook_max_attempts, "backoff_s": settings.webhook_backoff_s,
                  "max_backoff_s": settings.webhook_max_backoff_s, "timeout_s": settings.webhook_timeout_s,
                  "allow_http": settings.webhook_allow_http, "allow_private": settings.webhook_allow_private}
        return cls(**{**values, **overrides})

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        return max(0.0, min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))


@dataclass
class DeliveryResult:
    status: str  # delivered | failed | refused (final), or interrupted
    attempts: list[dict[str, Any]] = field(default_factory=list)  # {at, address, status_code|error, duration_ms}
    reason: str | None = None


def deliver(url: str, body: bytes, headers: Headers, policy: DeliveryPolicy, *,
            resolve: Resolver = resolve_host, sleep: Callable[[float], Any] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> DeliveryResult:
    """POST `body` with `headers` to `url` under `policy` (see the module docstring). `headers` may be a
    function, called before each attempt: signatures carry a timestamp, which must be fresh on every retry."""
    attempts: list[dict[str, Any]] = []
    total, reason = max(1, policy.max_attempts), ""
    with _own_transport(policy) if transport is None else contextlib.nullcontext(transport) as sender:
        for n in range(1, total + 1):
            try:
                target = check_callback_url(url, allow_http=policy.allow_http, allow_private=policy.allow_private,
                                            resolve=resolve)
            except UnsafeTarget as e:
                return DeliveryResult("refused", attempts, str(e))
            address = target.addresses[(n - 1) % len(target.addresses)]  # the next address on each retry
            fresh = headers() if callable(headers) else headers
            record, retry_after = _attempt(sender, target, address, body, fresh, policy.timeout_s)
            attempts.append(record)
            verdict, reason = _verdict(record)
            if verdict != "retry":
                return DeliveryResult(verdict, attempts, reason)
            if n < total:
                delay = policy.delay(n) if retry_after is None else min(retry_after, policy.max_backoff_s)
                log.info("webhook to %s attempt %d/%d: %s; retrying in %.1f s", target.host, n, total, reason,
                         delay)
                if sleep(delay) is True:  # `threading.Event.wait` as `sleep`: the process is stopping
                    return DeliveryResult("interrupted", attempts, f"{reason}; stopped before attempt {n + 1}")
    return DeliveryResult("failed", attempts, f"{reason} after {total} attempts")


def _own_transport(policy: DeliveryPolicy) -> httpx.HTTPTransport:
    verify = ssl.create_default_context(cafile=policy.verify) if isinstance(policy.verify, str) else policy.verify
    return httpx.HTTPTransport(verify=verify)


def _attempt(sender: httpx.BaseTransport, target: Target, address: str, body: bytes, headers: Mapping[str, str],
             timeout_s: float) -> tuple[dict[str, Any], float | None]:
    """One POST to `address`; the attempt's record and the response's numeric Retry-After (or None)."""
    netloc = f"[{address}]" if ":" in address else address
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(timeout_s).as_dict()}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    record: dict[str, Any] = {"at": dt.datetime.now(dt.UTC).isoformat(), "address": address}
    retry_after = None
    started = time.monotonic()
    try:
        request = httpx.Request("POST", f"{target.scheme}://{netloc}:{target.port}{target.path}", content=body,
                                headers={**headers, "Host": target.host_header}, extensions=extensions)
        response = sender.handle_request(request)
        try:
            record["status_code"] = response.status_code
            retry_after = _seconds(response.headers.get("Retry-After"))
        finally:
            response.close()  # the body is never read
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        record["error"] = f"{type(e).__name__}: {e}"[:300]
        record["retryable"] = isinstance(e, httpx.TransportError)
    record["duration_ms"] = round((time.monotonic() - started) * 1000)
    return record, retry_after


def _verdict(record: dict[str, Any]) -> tuple[str, str]:
    """("delivered" | "retry" | "failed", a short reason) for one attempt's record."""
    if "error" in record:
        return ("retry" if record.pop("retryable") else "failed"), record["error"]
    code = record["status_code"]
    if 200 <= code < 300:
        return "delivered", f"HTTP {code}"
    if code == 429 or code >= 500:
        return "retry", f"HTTP {code}"
    if 300 <= code < 400:
        return "failed", f"HTTP {code} (redirects are not followed)"
    return "failed", f"HTTP {code}"


def _seconds(value: str | None) -> float | None:
    """A numeric Retry-After in seconds; None when absent or an HTTP date (then the backoff applies)."""
    value = (value or "").strip()
    return float(value) if value.isdigit() else None
