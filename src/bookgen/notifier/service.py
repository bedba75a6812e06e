"""`Notifier.handle(event_id, event)`: turn one `book-notifications` event into one signed webhook delivery.

- **Idempotent per event.** The outcome is recorded at `keys.notification(book_id, event_id)`. An event
  whose record has a final status (delivered, failed, refused) is not sent again ("duplicate"): Pub/Sub and
  the local loop deliver events at least once. A record left at "delivering" (the process died mid-delivery)
  is not final, so that event is delivered again — the receiver deduplicates on `X-Bookgen-Event-Id`.
- **What is sent** (compact UTF-8 JSON): `{"event_id", "book_id", "status", "files": {format: url},
  "cost_usd"}`, plus `"error"` for a failed book. The file links point at the API
  (`<api_public_url>/v1/books/<id>/files/<format>`, which checks the caller's key) when `api_public_url` is
  set, else they are the storage URIs of the event. Formats come from the manifest, else from file extensions.
- **No secret, no delivery.** An unsigned webhook cannot be told from a forged one, so a book whose owner has
  no webhook secret gets a "refused" record instead.

Outcomes returned: no-callback, duplicate, delivered, failed, refused, and interrupted (the process is
stopping: `sleep` is a stop event's `wait`; the record stays non-final). Storage errors raise (the caller
retries the whole event). The secret is never logged or recorded; neither is the callback's query string.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from bookgen import keys
from bookgen.errors import InvalidRequest, NotFound
from bookgen.notifier.delivery import FINAL_STATUSES, DeliveryPolicy, DeliveryResult, deliver
from bookgen.notifier.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bookgen.notifier.targets import Resolver, resolve_host, without_query
from bookgen.storage import read_json, write_json

log = logging.getLogger(__name__)

EXTENSIONS = {"epub": "epub", "pdf": "pdf", "html": "html", "htm": "html", "md": "md"}
USER_AGENT = "bookgen-notifier/1"


class Notifier:
    """Delivers notification events for `services` (storage and settings), signing with `secret_for(book_id)`."""

    def __init__(self, services: Any, secret_for: Callable[[str], str | None], policy: DeliveryPolicy | None = None,
                 resolve: Resolver = resolve_host, sleep: Callable[[float], Any] = time.sleep,
                 transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.time):
        self.services, self.secret_for = services, secret_for
        self.policy = policy or DeliveryPolicy.from_settings(services.settings)
        self.resolve, self.sleep, self.transport, self.clock = resolve, sleep, transport, clock

    def handle(self, event_id: str, event: dict[str, Any]) -> str:
        """Deliver `event` once (see the module docstring); returns the outcome."""
        if not isinstance(event, dict):
            raise InvalidRequest("a notification event must be a JSON object")
        url = event.get("callback_url")
        if url is None or url == "":
            return "no-callback"
        if not isinstance(url, str):
            raise InvalidRequest("callback_url must be a string", field="callback_url")
        book_id = keys.check_book_id(event.get("book_id"))
        key = keys.notification(book_id, event_id)
        context = {"book_id": book_id, "event_id": event_id}
        if self._status(key) in FINAL_STATUSES:
            log.info("notification %s of %s was already handled", event_id, book_id, extra=context)
            return "duplicate"
        record = {"event_id": event_id, "book_id": book_id, "url": without_query(url), "started_at": _now()}
        secret = self.secret_for(book_id)
        if not secret:
            result = DeliveryResult("refused", [], "no webhook secret")
        else:
            body = encode_body(event_id, book_id, event, self.file_links(book_id, event.get("files") or []))
            write_json(self.services.storage, key, {**record, "status": "delivering"})
            result = deliver(url, body, lambda: self._headers(secret, event_id, body), self.policy,
                             resolve=self.resolve, sleep=self.sleep, transport=self.transport)
        final = {"finished_at": _now()} if result.status in FINAL_STATUSES else {}  # "interrupted" is not final
        write_json(self.services.storage, key, {**record, "status": result.status, "attempts": result.attempts,
                                                "reason": result.reason, **final})
        level = logging.INFO if result.status == "delivered" else logging.WARNING
        log.log(level, "notification %s of %s to %s: %s (%d attempts%s)", event_id, book_id, record["url"],
                result.status, len(result.attempts), f"; {result.reason}" if result.reason else "",
                extra={**context, "outcome": result.status})
        return result.status

    def file_links(self, book_id: str, uris: list[Any]) -> dict[str, str]:
        """{format: link} for the event's files: API links when `api_public_url` is set, else storage URIs."""
        known = self._manifest_formats(book_id) if uris else {}
        files: dict[str, str] = {}
        for uri in uris:
            if isinstance(uri, str):
                fmt = known.get(uri) or EXTENSIONS.get(uri.rsplit("/", 1)[-1].rpartition(".")[2].lower())
                if fmt:
                    files[fmt] = uri
        base = self.services.settings.api_public_url
        if base:
            return {fmt: f"{base.rstrip('/')}/v1/books/{book_id}/files/{fmt}" for fmt in files}
        return files

    def _manifest_formats(self, book_id: str) -> dict[str, str]:
        """{uri: format} from the book's manifest; {} when there is none (then extensions decide)."""
        try:
            manifest = read_json(self.services.storage, keys.manifest(book_id))
            return {f["uri"]: f["format"] for f in manifest.get("files", [])}
        except (NotFound, ValueError, KeyError, TypeError, AttributeError) as e:
            log.debug("no usable manifest for %s (%s); formats from file extensions", book_id, e)
            return {}

    def _headers(self, secret: str, event_id: str, body: bytes) -> dict[str, str]:
        """Signed anew for every attempt, so that a late retry is not rejected as stale."""
        timestamp = int(self.clock())
        return {"Content-Type": "application/json", "User-Agent": USER_AGENT, EVENT_ID_HEADER: event_id,
                TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}

    def _status(self, key: str) -> str | None:
        try:
            return read_json(self.services.storage, key).get("status")
        except NotFound:
            return None


def encode_body(event_id: str, book_id: str, event: dict[str, Any], files: dict[str, str]) -> bytes:
    """The webhook body: compact UTF-8 JSON (see the module docstring)."""
    payload: dict[str, Any] = {"event_id": event_id, "book_id": book_id, "status": event.get("status"),
                               "files": files, "cost_usd": event.get("cost_usd")}
    if event.get("status") == "failed":
        payload["error"] = event.get("error")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
