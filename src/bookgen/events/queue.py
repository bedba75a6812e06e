"""The durable local queue of book requests, for `bookgen serve` without Pub/Sub.

The API enqueues with `events.publish("book-requests", {"book_id", "request_uri"})`; with LocalEvents that
appends one fsynced line to `<data_dir>/events/book-requests.jsonl`, so an accepted book is on disk before the
API answers 202. `LocalQueueWorker` follows that file and runs each book through the workflow on the local
engine. It always starts reading at the beginning: every book that has no finished manifest (ready or failed)
is run — the ones never started and the ones whose process died mid-run (every step is idempotent, so a
resumed book reuses the bible and chapters already written). Nothing accepted is lost; a finished book is
never run twice.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bookgen import keys
from bookgen.errors import NotFound
from bookgen.storage import read_json

log = logging.getLogger(__name__)

TOPIC = "book-requests"
FINISHED = ("ready", "failed")


def finished(storage: Any, book_id: str) -> bool:
    try:
        return read_json(storage, keys.manifest(book_id)).get("status") in FINISHED
    except NotFound:
        return False


class LocalQueueWorker:
    """Runs the books queued on the local `book-requests` topic, `workers` at a time, until `stop` is set."""

    def __init__(self, services: Any, stop: threading.Event, workers: int = 1, poll_s: float = 0.2):
        self.services, self.stop, self.poll_s = services, stop, poll_s
        self.workers = max(1, workers)
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self.completed: list[tuple[str, str]] = []  # (book id, execution state), for callers and tests

    def run(self) -> None:
        offset, pool = 0, ThreadPoolExecutor(self.workers, thread_name_prefix="book")
        try:
            while not self.stop.is_set():
                envelopes, offset = self.services.events.tail(TOPIC, offset)
                for envelope in envelopes:
                    book_id = (envelope.get("data") or {}).get("book_id")
                    if isinstance(book_id, str) and self._claim(book_id):
                        pool.submit(self._run, book_id)
                self.stop.wait(self.poll_s)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _claim(self, book_id: str) -> bool:
        with self._lock:
            if book_id in self._active:
                return False
            try:
                if finished(self.services.storage, book_id):
                    return False
            except Exception as e:  # a malformed id or an unreadable manifest: skip it, say why
                log.error("queued book %r cannot be run: %s", book_id, e)
                return False
            self._active.add(book_id)
            return True

    def _run(self, book_id: str) -> None:
        from bookgen.runner import run_book

        if self.stop.is_set():
            return
        started = time.monotonic()
        log.info("book %s: running", book_id)
        try:
            execution = run_book(self.services, {"book_id": book_id})
            state = execution.state
        except Exception:
            log.exception("book %s: the workflow could not run; it stays queued until the next start", book_id)
            state = "ERROR"
        log.info("book %s: %s in %.1f s", book_id, state, time.monotonic() - started)
        with self._lock:
            self.completed.append((book_id, state))
            if state != "ERROR":
                return
            self._active.discard(book_id)
