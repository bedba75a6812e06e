"""What the API does with books, over the storage and events ports (no HTTP here).

Accepting a book (`accept`), in this order, every write durable before the next:
1. `raw/books/<id>/submission.json` (create-only): the owner (the key's name), when, the idempotency key's hash.
   The book id is derived from the owner and the Idempotency-Key (or, without one, the normalized request), so a
   retry finds the same id and this record, and nothing below happens twice.
2. `raw/api/owners/<owner>/books/<inverted ms>-<id>.json` (create-only): the key's index, newest first; it is
   what `GET /v1/books` pages through and what the books-per-day limit counts.
3. `raw/books/<id>/request.json` (create-only): the request, as the outline step stores it.
4. The message `{"book_id", "request_uri"}` on `book-requests` (Pub/Sub in the cloud, a durable JSON-lines
   queue locally), then `enqueued_at` and the message id in the submission.
A crash between two steps leaves a record a retry completes: a retry of the same POST enqueues a submission
that never recorded `enqueued_at` — at once when the first attempt recorded its failure, after
`REENQUEUE_AFTER_S` when it left no trace (its process died), so a concurrent duplicate does not enqueue twice.
A client that never retries still sees the book in `GET /v1/books`; reading it (the list or the book) enqueues
such a stranded submission by the same rule (`requeue_stranded`), so no book listed as queued waits forever.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import time
from typing import Any

from bookgen import keys
from bookgen.api.errors import ApiError
from bookgen.errors import InvalidRequest, NotFound
from bookgen.models import BookRequest, Manifest, slug
from bookgen.storage import read_json, write_json

REQUESTS_TOPIC = "book-requests"
DAY_S = 86_400
REENQUEUE_AFTER_S = 30.0
WAIT_FOR_ENQUEUE_S = 3.0
_MS_CEILING = 10**13 - 1  # inverted milliseconds sort newest first until the year 2286
log = logging.getLogger("bookgen.api")


def derive_book_id(owner: str, request: BookRequest, idempotency_key: str | None) -> str:
    identity = f"idem:{idempotency_key}" if idempotency_key else \
        "req:" + json.dumps(request.normalized(), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{owner}\0{identity}".encode()).hexdigest()[:16]
    return f"{slug(request.reader.name)[:20]}-{slug(request.genre)[:16]}-{digest}".strip("-")


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")


def _ts(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def index_key(owner: str, book_id: str, created_ts: float) -> str:
    return f"{keys.owner_books(owner)}{_MS_CEILING - int(created_ts * 1000):013d}-{book_id}.json"


def _index_entries(storage: Any, owner: str, **bounds: Any) -> list[tuple[str, float, str]]:
    """(index key, created timestamp, book id) of the owner's books, newest first; `bounds` are the storage
    list's start_offset / end_offset / max_results, so a page or a day costs what it returns."""
    prefix, out = keys.owner_books(owner), []
    for key in storage.list(prefix, **bounds):
        name = key[len(prefix):].removesuffix(".json")
        inverted, _, book_id = name.partition("-")
        if inverted.isdigit() and book_id:
            out.append((key, (_MS_CEILING - int(inverted)) / 1000, book_id))
    return out


def books_today(storage: Any, owner: str, now: float, at_most: int | None = None) -> list[float]:
    """Creation times of the owner's books in the last 24 hours, newest first (the first `at_most`)."""
    day_ago = f"{keys.owner_books(owner)}{_MS_CEILING - int((now - DAY_S) * 1000):013d}"
    return [ts for _, ts, _ in _index_entries(storage, owner, end_offset=day_ago, max_results=at_most)
            if ts > now - DAY_S]


def _read(storage: Any, key: str) -> Any:
    try:
        return read_json(storage, key)
    except NotFound:
        return None


def accept(services: Any, owner: str, books_per_day: int, request: BookRequest, idempotency_key: str | None,
           now: float) -> tuple[str, bool]:
    """Store and enqueue the book (see the module docstring); returns (book id, created). Raises ApiError 409
    when the Idempotency-Key was used for a different request, 429 over the books-per-day limit."""
    storage = services.storage
    book_id = derive_book_id(owner, request, idempotency_key)
    stored = request.model_dump(mode="json", exclude_none=True) | {"book_id": book_id}
    submission = _read(storage, keys.submission(book_id))
    created = False
    if submission is None:
        _check_daily_limit(storage, owner, books_per_day, now)
        submission = {"book_id": book_id, "owner": owner, "created_at": _iso(now),
                      "idempotency_key_sha256": hashlib.sha256(idempotency_key.encode()).hexdigest()
                      if idempotency_key else None}
        created = write_json(storage, keys.submission(book_id), submission, if_absent=True)
        if not created:  # a concurrent duplicate won the race: follow its record
            submission = read_json(storage, keys.submission(book_id))
    created_ts = _ts(submission["created_at"])
    storage.write(index_key(owner, book_id, created_ts),
                  json.dumps({"book_id": book_id, "created_at": submission["created_at"]}).encode(),
                  "application/json", if_absent=True)
    if not write_json(storage, keys.request(book_id), stored, if_absent=True):
        existing = read_json(storage, keys.request(book_id))
        if idempotency_key and {k: v for k, v in existing.items() if k != "book_id"} != \
                {k: v for k, v in stored.items() if k != "book_id"}:
            raise ApiError(409, "idempotency_conflict", "this Idempotency-Key was used for a different request; "
                           "use a new key for a new book", field="Idempotency-Key")
    if "enqueued_at" not in submission:
        _enqueue(services, submission, created, now)
    return book_id, created


def _enqueue(services: Any, submission: dict[str, Any], created: bool, now: float) -> None:
    """Publish the book's message once. The request that created the submission publishes; a repeat takes
    over when that attempt recorded a failure or is older than REENQUEUE_AFTER_S (its process died), and
    otherwise waits a little for it. 202 is only ever answered for an enqueued book: a repeat that cannot tell
    answers 503 with Retry-After."""
    storage, book_id = services.storage, submission["book_id"]
    age = now - _ts(submission["created_at"])
    if not created and "enqueue_error" not in submission and age <= REENQUEUE_AFTER_S:
        deadline = time.monotonic() + WAIT_FOR_ENQUEUE_S
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if "enqueued_at" in read_json(storage, keys.submission(book_id)):
                return
        wait = int(REENQUEUE_AFTER_S - age) + 1
        raise ApiError(503, "in_progress", "an earlier request for this book is still being queued; retry",
                       headers={"Retry-After": str(max(1, wait))})
    try:
        message_id = services.events.publish(REQUESTS_TOPIC, {
            "book_id": book_id, "request_uri": storage.uri(keys.request(book_id))})
    except Exception as e:
        write_json(storage, keys.submission(book_id), {**submission, "enqueue_error": type(e).__name__})
        raise
    write_json(storage, keys.submission(book_id), {k: v for k, v in submission.items() if k != "enqueue_error"}
               | {"enqueued_at": _iso(now), "message_id": str(message_id)})


def requeue_stranded(services: Any, submission: dict[str, Any], now: float) -> None:
    """Enqueue a book whose POST stored it but never enqueued it (the enqueue failed, or the process died and
    the client did not retry), once that POST can no longer be doing it. Called by the reads, which must not
    fail for it: on an error the book stays queued and the next read tries again. A rare race with a retried
    POST may publish twice; delivery is at-least-once anyway and the worker runs a book once."""
    if "enqueued_at" in submission:
        return
    if "enqueue_error" not in submission and now - _ts(submission["created_at"]) <= REENQUEUE_AFTER_S:
        return
    try:
        _enqueue(services, submission, False, now)
        log.warning("book %s was stored but never enqueued; enqueued it now", submission["book_id"])
    except Exception as e:  # noqa: BLE001 - a read reports the state it found; the next read retries
        log.warning("book %s is still not enqueued: %s", submission["book_id"], e)


def _check_daily_limit(storage: Any, owner: str, books_per_day: int, now: float) -> None:
    recent = books_today(storage, owner, now, at_most=books_per_day)
    if len(recent) >= books_per_day:
        # a slot frees when the limit-th newest book turns a day old (a key limited to 0 books never gets one)
        wait = int(recent[books_per_day - 1] + DAY_S - now) + 1 if books_per_day else DAY_S
        raise ApiError(429, "books_per_day", f"this key may request {books_per_day} books per 24 hours; "
                       f"the next one may be requested in {wait} s", headers={"Retry-After": str(max(1, wait))})


def owned_submission(storage: Any, owner: str, book_id: str) -> dict[str, Any]:
    """The submission of `book_id` when `owner` owns it; otherwise 404 (the same answer whether the book
    does not exist or belongs to another key: ids are not a way to probe other callers' books)."""
    try:
        submission = read_json(storage, keys.submission(book_id))
    except (NotFound, InvalidRequest):
        raise ApiError(404, "not_found", f"no book {book_id!r}") from None
    if submission.get("owner") != owner:
        raise ApiError(404, "not_found", f"no book {book_id!r}")
    return submission


def status(services: Any, submission: dict[str, Any], base_url: str, now: float) -> dict[str, Any]:
    """The book's state from its manifest: queued (no manifest yet), running (chapters done / total, cost so
    far), ready (files, quality, cost) or failed (the reason)."""
    from bookgen.pipeline.publish import spent

    storage, book_id = services.storage, submission["book_id"]
    raw = _read(storage, keys.manifest(book_id))
    if raw is None:
        requeue_stranded(services, submission, now)
    manifest = Manifest.model_validate(raw) if raw else None
    request = _read(storage, keys.request(book_id)) or {}
    total = int(request.get("chapters") or (manifest.chapters if manifest else 0))
    link = f"{base_url}/v1/books/{book_id}"
    out: dict[str, Any] = {"book_id": book_id, "status": manifest.status if manifest else "queued",
                           "created_at": submission["created_at"], "title": manifest.title if manifest else None,
                           "links": {"self": link}}
    if manifest is None or manifest.status == "running":
        chapters, _, cost = spent(storage, book_id) if manifest else ([], None, 0.0)
        bible = _read(storage, keys.bible(book_id)) if manifest else None
        out["title"] = out["title"] or (bible or {}).get("bible", {}).get("title")
        out |= {"progress": {"chapters_done": len(chapters), "chapters_total": total}, "cost_usd": round(cost, 6)}
        return out
    out |= {"progress": {"chapters_done": total, "chapters_total": total}, "cost_usd": manifest.cost_usd,
            "words": manifest.words, "completed_at": manifest.completed_at}
    if manifest.status == "failed":
        out["error"] = manifest.error or {"message": "failed"}
        return out
    gates = (manifest.quality or {}).get("gates", {})
    out["quality"] = {"passed": manifest.quality_passed,
                      "gates": {name: bool(gate.get("passed")) for name, gate in gates.items()},
                      "report": manifest.quality}
    out["files"] = {f.format: {"url": f"{link}/files/{f.format}", "bytes": f.bytes, "sha256": f.sha256}
                    for f in manifest.files}
    return out


def page(services: Any, owner: str, limit: int, cursor: str | None, base_url: str, now: float) -> dict[str, Any]:
    """One page of the owner's books, newest first; `next_cursor` is null on the last page."""
    start = keys.owner_books(owner) + decode_cursor(cursor) if cursor else None
    entries = _index_entries(services.storage, owner, start_offset=start, max_results=limit + 2)
    if entries and entries[0][0] == start:
        entries = entries[1:]  # offsets are inclusive: the cursor's own book was on the previous page
    chosen = entries[:limit]
    books = []
    for _, created_ts, book_id in chosen:
        raw = _read(services.storage, keys.manifest(book_id))
        if raw is None:
            submission = _read(services.storage, keys.submission(book_id))
            if submission:
                requeue_stranded(services, submission, now)
        books.append({"book_id": book_id, "created_at": _iso(created_ts),
                      "status": raw.get("status", "queued") if raw else "queued",
                      "title": raw.get("title") if raw else None,
                      "links": {"self": f"{base_url}/v1/books/{book_id}"}})
    more = len(entries) > limit
    return {"books": books, "next_cursor": encode_cursor(chosen[-1][0]) if more and chosen else None}


def encode_cursor(index_key: str) -> str:
    return base64.urlsafe_b64encode(index_key.rsplit("/", 1)[1].encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The index key a cursor points after; 422 naming `cursor` when it is not one of ours."""
    try:
        name = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        name = ""
    inverted, _, book_id = name.partition("-")
    if not (inverted.isdigit() and len(inverted) == 13 and book_id.endswith(".json")):
        raise ApiError(422, "invalid_request", "cursor is not a cursor this API returned", field="cursor")
    return name


def file_of(services: Any, book_id: str, fmt: str) -> Any:
    """The FileInfo of format `fmt` of a ready book; 409 when the book is not ready, 404 when the format was
    not requested."""
    raw = _read(services.storage, keys.manifest(book_id))
    if not raw or raw.get("status") != "ready":
        state = raw.get("status") if raw else "queued"
        raise ApiError(409, "not_ready", f"book {book_id!r} is {state}; files exist once it is ready")
    for info in Manifest.model_validate(raw).files:
        if info.format == fmt:
            return info
    raise ApiError(404, "not_found", f"book {book_id!r} has no {fmt} file (formats requested: "
                   f"{', '.join(f['format'] for f in raw.get('files', []))})")
