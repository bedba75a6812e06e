"""`bookgen serve` with PUBSUB_EMULATOR_HOST: the cloud's topology on one machine — the API publishes to the
emulator's `book-requests`, the Pub/Sub worker runs the book, the notifier pulls `book-notifications`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from bookgen.api.keys import hash_key
from bookgen.notifier.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.e2e.serve_process import ServeProcess, keys_json, wait_for
from tests.e2e.test_serve import AUTH, KEY, SECRET, status


def test_serve_on_the_pubsub_emulator(tmp_path: Path, pubsub_emulator, receiver):
    data = tmp_path / "data"
    serve = ServeProcess(data, env={
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.host, "BOOKGEN_GCP_PROJECT": f"serve-{uuid.uuid4().hex[:8]}",
        "BOOKGEN_API_KEYS": keys_json([{"name": "e2e", "sha256": hash_key(KEY), "webhook_secret": SECRET}]),
        "BOOKGEN_LLM_PROVIDER": "scripted", "BOOKGEN_WEBHOOK_ALLOW_HTTP": "true",
        "BOOKGEN_WEBHOOK_ALLOW_PRIVATE": "true"})
    try:
        serve.start()
        assert "Pub/Sub emulator" in serve.output()
        body = {"reader": {"name": "Ada", "age": 10, "interests": ["robots"]}, "genre": "mystery", "chapters": 2,
                "words_per_chapter": 120, "formats": ["md"], "callback_url": receiver.url}
        response = httpx.post(f"{serve.url}/v1/books", json=body, headers=AUTH, timeout=10)
        assert response.status_code == 202, response.text
        book_id = response.json()["book_id"]
        submission = json.loads((data / "raw" / "books" / book_id / "submission.json").read_text())
        assert submission["message_id"].isdigit()  # a Pub/Sub message id, not a local event id
        assert not (data / "events" / "book-requests.jsonl").exists()
        wait_for(lambda: status(serve, book_id)["status"] == "ready", 120, "the book", serve)
        headers, raw = wait_for(lambda: receiver.deliveries and receiver.deliveries[0], 60, "the webhook", serve)
        assert verify(SECRET, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], raw)
        assert json.loads(raw)["book_id"] == book_id
        assert serve.stop() == 0
    finally:
        serve.kill()
