"""LocalQueueWorker: runs every queued book without a finished manifest, once; skips finished ones."""

from __future__ import annotations

import threading
import time

from bookgen import keys
from bookgen.edge import handle
from bookgen.events.queue import LocalQueueWorker
from bookgen.storage import read_json, write_json
from tests.e2e.conftest import request_data


def enqueue(services, data: dict) -> str:
    book_id = data["book_id"]
    write_json(services.storage, keys.request(book_id), data)
    services.events.publish("book-requests", {"book_id": book_id, "request_uri": "unused"})
    return book_id


def run_until(worker: LocalQueueWorker, count: int, timeout: float = 60) -> None:
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = time.monotonic() + timeout
    while len(worker.completed) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything else it would (wrongly) start shows up in `completed`
    worker.stop.set()
    thread.join(10)


def test_runs_unfinished_books_once_and_skips_finished_ones(make_services):
    services = make_services()
    fresh = enqueue(services, request_data(book_id="fresh-book"))
    interrupted = enqueue(services, request_data(book_id="interrupted-book", chapters=2))
    assert handle("outline", {"book_id": interrupted}, services)[0] == 200  # manifest "running"
    assert handle("chapters", {"book_id": interrupted, "chapter": 1}, services)[0] == 200
    done = enqueue(services, request_data(book_id="done-book", formats=["md"]))
    handle("publish", {"book_id": done, "status": "failed", "error": {"message": "earlier"}}, services)
    services.events.publish("book-requests", {"book_id": fresh})  # a duplicate message
    services.events.publish("book-requests", {"book_id": "Not A Valid Id"})

    worker = LocalQueueWorker(services, threading.Event(), workers=2, poll_s=0.05)
    run_until(worker, 2)
    assert sorted(worker.completed) == [(fresh, "SUCCEEDED"), (interrupted, "SUCCEEDED")]
    for book_id in (fresh, interrupted):
        assert read_json(services.storage, keys.manifest(book_id))["status"] == "ready"
    assert read_json(services.storage, keys.manifest(done))["status"] == "failed"

    again = LocalQueueWorker(services, threading.Event(), poll_s=0.05)  # a restart: nothing left to do
    run_until(again, 0, timeout=1)
    assert again.completed == []


def test_follows_requests_enqueued_while_it_runs(make_services):
    services = make_services()
    worker = LocalQueueWorker(services, threading.Event(), poll_s=0.05)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        book_id = enqueue(services, request_data(book_id="late-book", formats=["md"]))
        deadline = time.monotonic() + 60
        while not worker.completed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.completed == [(book_id, "SUCCEEDED")]
    finally:
        worker.stop.set()
        thread.join(10)
