"""The whole workflow (workflows/book.yaml on the local engine) with the scripted model: fast, every commit."""

from __future__ import annotations

from datetime import datetime

from bookgen import keys
from bookgen.runner import run_book
from bookgen.storage import read_json
from tests.e2e.conftest import request_data


def _files(services, book_id):
    manifest = read_json(services.storage, keys.manifest(book_id))
    return manifest, {f["format"]: f["sha256"] for f in manifest["files"]}


def test_book_is_written_in_every_format_and_personalized(make_services):
    services = make_services()
    execution = run_book(services, {"request": request_data()})
    assert execution.state == "SUCCEEDED", execution.error
    book_id = execution.result["book_id"]
    manifest, files = _files(services, book_id)
    assert manifest["status"] == "ready" and manifest["chapters"] == 3
    assert set(files) == {"epub", "pdf", "html", "md", "cover"}
    md = services.storage.read(keys.book_file(book_id, "book.md")).decode()
    assert md.count("Maya") >= 3 and "dinosaurs" in md and "rockets" in md
    assert manifest["quality"]["gates"]["personalization_interests"]["passed"]
    events = services.events.read("book-notifications")
    assert [(e["data"]["book_id"], e["data"]["status"]) for e in events] == [(book_id, "ready")]


def test_chapters_run_concurrently(make_services):
    services = make_services(delay=0.3, chapter_concurrency=4)
    execution = run_book(services, {"request": request_data(chapters=8)})
    assert execution.state == "SUCCEEDED", execution.error
    spans = [(datetime.fromisoformat(e["createTime"]), datetime.fromisoformat(e["updateTime"]), e["threadId"])
             for e in (x.to_dict() for x in execution.entries)
             if e["step"] == "write_chapter" and e["stepType"] == "STEP_TRY_RETRY_EXCEPT"]
    assert len(spans) == 8 and len({t for _, _, t in spans}) == 8
    overlapping = sum(1 for a in spans for b in spans if a is not b and a[0] < b[1] and b[0] < a[1])
    assert overlapping >= 8, spans
    wall = (max(e for _, e, _ in spans) - min(s for s, _, _ in spans)).total_seconds()
    assert wall < 8 * 0.3, wall  # sequential would take at least 2.4 s


def test_rerun_makes_no_model_calls_and_writes_identical_files(make_services, tmp_path):
    services = make_services()
    first = run_book(services, {"request": request_data()})
    book_id = first.result["book_id"]
    _, before = _files(services, book_id)
    calls_before = len(services.llm.inner.history)
    second = run_book(services, {"request": request_data()})
    assert second.state == "SUCCEEDED", second.error
    assert len(services.llm.inner.history) == calls_before  # zero model calls
    _, after = _files(services, book_id)
    assert after == before
    rows = services.analytics.query(
        "SELECT status, cache_hit, cost_usd FROM llm_calls WHERE execution_id = @e", {"e": second.execution_id})
    assert len(rows) == 4 and all(r["cache_hit"] and r["cost_usd"] == 0 for r in rows)


def test_same_request_under_another_book_id_is_served_by_the_response_cache(make_services):
    services = make_services()
    run_book(services, {"request": request_data()})
    calls = len(services.llm.inner.history)
    other = run_book(services, {"request": request_data(book_id="maya-copy")})
    assert other.state == "SUCCEEDED", other.error
    assert len(services.llm.inner.history) == calls
    rows = services.analytics.query("SELECT cache_hit, status FROM llm_calls WHERE book_id = 'maya-copy'")
    assert rows and all(r["cache_hit"] and r["status"] == "ok" for r in rows)


def test_invalid_request_inside_the_workflow_fails_without_processed_files(make_services):
    services = make_services()
    execution = run_book(services, {"request": request_data(chapters=0)})
    assert execution.state == "FAILED"
    assert execution.error["code"] == 422 and "chapters" in execution.error["body"]["message"]
    assert services.storage.list("processed/") == []


def test_pubsub_envelope_is_accepted(make_services):
    import base64
    import json

    services = make_services()
    data = base64.b64encode(json.dumps({"request": request_data(chapters=1)}).encode()).decode()
    envelope = {"data": {"subscription": "projects/p/subscriptions/s",
                         "message": {"data": data, "messageId": "1", "publishTime": "2026-12-03T00:00:00Z"}},
                "id": "1", "type": "google.cloud.pubsub.topic.v1.messagePublished", "specversion": "1.0"}
    execution = run_book(services, envelope)
    assert execution.state == "SUCCEEDED", execution.error
    assert execution.result["status"] == "ready"
