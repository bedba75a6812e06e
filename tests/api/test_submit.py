"""POST /v1/books: stored durably, enqueued once, idempotent, validated with field paths."""

from __future__ import annotations

import contextlib
import json
import threading

import pytest

from bookgen import keys
from bookgen.errors import UpstreamTransient
from bookgen.storage import read_json
from tests.api.conftest import ALICE, BOB, auth, request_data


def queued(services) -> list[dict]:
    return [e["data"] for e in services.events.read("book-requests")]


@contextlib.contextmanager
def publish_raises(services, error: BaseException):
    """Every publish raises `error` inside the block: UpstreamTransient is Pub/Sub down (the API records the
    failure), SystemExit is the process dying (nothing is recorded)."""
    real_publish = services.events.publish

    def fail(topic, event):
        raise error

    services.events.publish = fail
    try:
        yield
    finally:
        services.events.publish = real_publish


def strand(services, clock, idempotency_key: str) -> str:
    """A POST whose process died after storing the book and before enqueueing it; returns the book id."""
    from bookgen.api import books

    request = books.BookRequest.model_validate(request_data())
    with publish_raises(services, SystemExit("killed")), pytest.raises(SystemExit):
        books.accept(services, "alice", 10, request, idempotency_key, clock.now)
    return books.derive_book_id("alice", request, idempotency_key)


def test_accepted_book_is_stored_then_enqueued(api):
    client, services = api
    response = client.post("/v1/books", json=request_data(), headers=auth())
    assert response.status_code == 202
    body = response.json()
    book_id = body["book_id"]
    assert body["status"] == "queued" and body["created"] is True
    assert response.headers["Location"] == body["links"]["self"] == f"http://testserver/v1/books/{book_id}"
    stored = read_json(services.storage, keys.request(book_id))
    assert stored["reader"]["name"] == "Maya" and stored["book_id"] == book_id
    submission = read_json(services.storage, keys.submission(book_id))
    assert submission["owner"] == "alice" and submission["enqueued_at"] and submission["message_id"]
    assert queued(services) == [{"book_id": book_id, "request_uri": services.storage.uri(keys.request(book_id))}]


def test_same_idempotency_key_returns_the_same_book_and_enqueues_nothing_new(api):
    client, services = api
    headers = auth() | {"Idempotency-Key": "order-42"}
    first = client.post("/v1/books", json=request_data(), headers=headers)
    again = client.post("/v1/books", json=request_data(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["book_id"] == first.json()["book_id"]
    assert again.json()["created"] is False and again.headers["Idempotent-Replayed"] == "true"
    assert len(queued(services)) == 1


def test_same_request_without_a_key_is_the_same_book(api):
    client, services = api
    first = client.post("/v1/books", json=request_data(), headers=auth())
    # the same normalized request: formats in another order, padded strings
    again = client.post("/v1/books", json=request_data(genre=" Adventure ", formats=["md", "pdf", "html", "epub"]),
                        headers=auth())
    assert again.json()["book_id"] == first.json()["book_id"] and again.json()["created"] is False
    other = client.post("/v1/books", json=request_data(chapters=3), headers=auth())
    assert other.json()["book_id"] != first.json()["book_id"]
    assert len(queued(services)) == 2


def test_idempotency_key_of_another_request_is_a_conflict(api):
    client, services = api
    headers = auth() | {"Idempotency-Key": "order-42"}
    client.post("/v1/books", json=request_data(), headers=headers)
    response = client.post("/v1/books", json=request_data(chapters=4), headers=headers)
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "idempotency_conflict", "field": "Idempotency-Key",
                                        "message": response.json()["error"]["message"]}
    assert len(queued(services)) == 1


def test_two_keys_asking_for_the_same_book_get_two_books(api):
    client, _ = api
    a = client.post("/v1/books", json=request_data(), headers=auth(ALICE) | {"Idempotency-Key": "k"})
    b = client.post("/v1/books", json=request_data(), headers=auth(BOB) | {"Idempotency-Key": "k"})
    assert a.status_code == b.status_code == 202 and a.json()["book_id"] != b.json()["book_id"]


def test_concurrent_duplicates_enqueue_once(api):
    client, services = api
    results = []

    def post():
        results.append(client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "same"}))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {202}
    assert len({r.json()["book_id"] for r in results}) == 1
    assert len(queued(services)) == 1
    assert sum(r.json()["created"] for r in results) == 1


def test_a_failed_enqueue_answers_503_and_the_retry_enqueues(api):
    client, services = api
    with publish_raises(services, UpstreamTransient("pubsub unavailable")):
        response = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "r1"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.text and queued(services) == []
    retry = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "r1"})
    assert retry.status_code == 202  # the failure was recorded: the retry enqueues at once
    assert [q["book_id"] for q in queued(services)] == [retry.json()["book_id"]]
    again = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "r1"})
    assert again.status_code == 202 and len(queued(services)) == 1


def test_a_request_whose_process_died_before_enqueueing_is_taken_over_after_a_while(api, clock, monkeypatch):
    from bookgen.api import books

    client, services = api
    monkeypatch.setattr(books, "WAIT_FOR_ENQUEUE_S", 0.2)
    strand(services, clock, "r2")
    early = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "r2"})
    assert early.status_code == 503 and early.json()["error"]["code"] == "in_progress"
    assert 1 <= int(early.headers["Retry-After"]) <= 31 and queued(services) == []
    clock.now += 31
    late = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "r2"})
    assert late.status_code == 202 and len(queued(services)) == 1


def test_a_stranded_book_is_enqueued_by_the_next_read_once_its_post_is_over(api, clock):
    client, services = api
    book_id = strand(services, clock, "s1")
    listed = client.get("/v1/books", headers=auth()).json()["books"]
    assert [b["book_id"] for b in listed] == [book_id] and listed[0]["status"] == "queued"
    assert queued(services) == []  # its POST may still be enqueueing: a read leaves it alone
    clock.now += 31
    assert client.get("/v1/books", headers=auth()).status_code == 200
    assert [q["book_id"] for q in queued(services)] == [book_id]
    assert read_json(services.storage, keys.submission(book_id))["enqueued_at"]
    assert client.get(f"/v1/books/{book_id}", headers=auth()).json()["status"] == "queued"
    assert client.get("/v1/books", headers=auth()).status_code == 200
    assert len(queued(services)) == 1  # enqueued once, however often it is read


def test_a_book_whose_enqueue_failed_is_enqueued_by_reading_it_and_a_read_never_fails_for_it(api):
    client, services = api
    with publish_raises(services, UpstreamTransient("pubsub unavailable")):
        assert client.post("/v1/books", json=request_data(), headers=auth()).status_code == 503
        book_id = client.get("/v1/books", headers=auth()).json()["books"][0]["book_id"]
        status = client.get(f"/v1/books/{book_id}", headers=auth())
    assert status.status_code == 200 and status.json()["status"] == "queued" and queued(services) == []
    assert client.get(f"/v1/books/{book_id}", headers=auth()).status_code == 200
    assert [q["book_id"] for q in queued(services)] == [book_id]  # recorded failure: no need to wait


@pytest.mark.parametrize(("body", "field"), [
    (request_data(chapters=0), "chapters"),
    (request_data(reader={"name": ""}), "reader.name"),
    (request_data(reader={"name": "Maya", "interests": ["x" * 61]}), "reader.interests[0]"),
    (request_data(formats=["epub", "docx"]), "formats[1]"),
    (request_data(language="english!"), "language"),
    (request_data(surprise=1), "surprise"),
    (request_data(book_id="my-book"), "book_id"),
    (request_data(callback_url="ftp://example.com/hook"), "callback_url"),
    ([1, 2], "(request)"),
])
def test_invalid_requests_are_422_naming_the_field(api, body, field):
    client, services = api
    response = client.post("/v1/books", json=body, headers=auth())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["field"] == field, error
    assert queued(services) == [] and services.storage.list("raw/") == []


def test_malformed_json_and_bad_headers_are_422(api):
    client, _ = api
    response = client.post("/v1/books", content=b'{"reader": ', headers=auth() | {"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "(json)"
    response = client.post("/v1/books", json=request_data(), headers=auth() | {"Idempotency-Key": "x" * 300})
    assert response.status_code == 422 and response.json()["error"]["field"] == "idempotency-key"


def test_body_over_the_limit_is_413_before_it_is_read(make_api):
    client, services = make_api(api_max_body_bytes=2048)
    big = request_data(premise="p" * 900, dedication="d" * 290, tone="t" * 100)
    big["reader"]["interests"] = ["i" * 60] * 10
    assert len(json.dumps(big)) > 2048
    response = client.post("/v1/books", json=big, headers=auth())
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"

    def chunks():  # no Content-Length: the body is counted as it arrives
        data = json.dumps(big).encode()
        for i in range(0, len(data), 500):
            yield data[i:i + 500]

    response = client.post("/v1/books", content=chunks(), headers=auth() | {"Content-Type": "application/json"})
    assert response.status_code == 413
    assert services.storage.list("raw/") == []


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://10.1.2.3/hook", "https://192.168.0.10/hook",
    "https://169.254.169.254/computeMetadata/v1/", "https://metadata.google.internal/hook",
    "http://93.184.216.34/hook", "https://user:pw@93.184.216.34/hook",
])
def test_callback_urls_that_are_not_public_https_are_refused_at_request_time(api, url):
    client, services = api
    response = client.post("/v1/books", json=request_data(callback_url=url), headers=auth())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "callback_url"
    assert services.storage.list("raw/") == [] and queued(services) == []


def test_a_public_https_callback_is_accepted(api):
    client, services = api
    response = client.post("/v1/books", json=request_data(callback_url="https://93.184.216.34/hooks?x=1"),
                           headers=auth())
    assert response.status_code == 202
    assert read_json(services.storage, keys.request(response.json()["book_id"]))["callback_url"] == \
        "https://93.184.216.34/hooks?x=1"
