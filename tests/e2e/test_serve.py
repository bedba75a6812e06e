"""`bookgen serve` as a real process: POST → poll → download, a SIGKILL mid-book and a restart that completes
every accepted book, and the signed webhook delivered to a local receiver."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx

from bookgen.api.keys import hash_key
from bookgen.notifier.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.e2e.conftest import Receiver
from tests.e2e.serve_process import ServeProcess, keys_json, wait_for

KEY, SECRET = "bk_e2e-serve-key-0123456789", "whsec_e2e-serve-secret-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def status(serve: ServeProcess, book_id: str) -> dict:
    response = httpx.get(f"{serve.url}/v1/books/{book_id}", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_serve_completes_every_accepted_book_across_a_kill(tmp_path: Path, receiver: Receiver):
    data = tmp_path / "data"
    serve = ServeProcess(data, env={
        "BOOKGEN_API_KEYS": keys_json([{"name": "e2e", "sha256": hash_key(KEY), "webhook_secret": SECRET}]),
        "BOOKGEN_LLM_PROVIDER": "scripted", "BOOKGEN_SCRIPTED_DELAY_S": "0.4",
        "BOOKGEN_CHAPTER_CONCURRENCY": "1", "BOOKGEN_WEBHOOK_ALLOW_HTTP": "true",
        "BOOKGEN_WEBHOOK_ALLOW_PRIVATE": "true", "BOOKGEN_WEBHOOK_BACKOFF_S": "0.1",
    })
    try:
        serve.start()
        first = {"reader": {"name": "Maya", "age": 7, "interests": ["dinosaurs", "rockets"]}, "genre": "adventure",
                 "chapters": 4, "words_per_chapter": 120, "formats": ["epub", "md"], "callback_url": receiver.url}
        second = {"reader": {"name": "Leo", "age": 9, "interests": ["trains"]}, "genre": "mystery",
                  "chapters": 2, "words_per_chapter": 120, "formats": ["md"]}
        ids = []
        for body in (first, second):
            response = httpx.post(f"{serve.url}/v1/books", json=body, headers=AUTH, timeout=10)
            assert response.status_code == 202, response.text
            ids.append(response.json()["book_id"])
        a, b = ids

        running = wait_for(lambda: (s := status(serve, a))["status"] == "running"
                           and s["progress"]["chapters_done"] >= 1 and s, 60, "the first chapter", serve)
        assert running["progress"]["chapters_total"] == 4
        chapter_one = data / "raw" / "books" / a / "chapters" / "01.json"
        before = (chapter_one.read_bytes(), chapter_one.stat().st_mtime_ns)
        serve.kill()
        assert json.loads((data / "processed" / "books" / a / "manifest.json").read_text())["status"] == "running"
        assert not (data / "processed" / "books" / b / "manifest.json").exists()

        serve.start()
        for book_id in ids:
            wait_for(lambda book_id=book_id: status(serve, book_id)["status"] == "ready", 120, f"{book_id} ready",
                     serve)
        assert (chapter_one.read_bytes(), chapter_one.stat().st_mtime_ns) == before  # resumed, not redone

        done = status(serve, a)
        epub = httpx.get(done["files"]["epub"]["url"], headers=AUTH, timeout=10)
        assert epub.status_code == 200 and hashlib.sha256(epub.content).hexdigest() == done["files"]["epub"]["sha256"]
        listed = httpx.get(f"{serve.url}/v1/books", headers=AUTH, timeout=10).json()["books"]
        assert [x["book_id"] for x in listed] == [b, a] and {x["status"] for x in listed} == {"ready"}

        headers, body = wait_for(lambda: receiver.deliveries and receiver.deliveries[0], 30, "the webhook", serve)
        assert verify(SECRET, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], body)
        assert not verify("whsec_someone-else-0123456789", headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], body)
        payload = json.loads(body)
        assert payload["book_id"] == a and payload["status"] == "ready" and payload["event_id"] == headers[EVENT_ID_HEADER]
        assert set(payload["files"]) == {"epub", "md", "cover"} and isinstance(payload["cost_usd"], float)
        assert len(receiver.deliveries) == 1  # the second book has no callback_url
        assert serve.stop() == 0
    finally:
        serve.kill()
