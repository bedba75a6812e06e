"""The Cloud Function edges, through the real app (`functions_framework.create_app(...).test_client()`)."""

from __future__ import annotations

import json

import functions_framework
import pytest

import bookgen.services
from bookgen.errors import UpstreamTransient
from tests.e2e.conftest import ROOT, request_data


@pytest.fixture
def client(make_services, monkeypatch):
    services = make_services()
    monkeypatch.setattr(bookgen.services, "get_services", lambda: services)

    def make(step: str):
        app = functions_framework.create_app(step, str(ROOT / "steps" / step / "main.py"))
        return app.test_client()

    make.services = services
    return make


def post(client, body):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/", data=raw, content_type="application/json")


def test_outline_then_chapters_then_assemble_then_publish(client):
    r = post(client("outline"), {"request": request_data(chapters=2), "execution_id": "x1"})
    assert r.status_code == 200, r.get_data(as_text=True)
    book_id = r.get_json()["book_id"]
    for n in (1, 2):
        r = post(client("chapters"), {"book_id": book_id, "chapter": n})
        assert r.status_code == 200 and r.get_json()["words"] > 0
    assert post(client("assemble"), {"book_id": book_id}).status_code == 200
    r = post(client("publish"), {"book_id": book_id, "status": "ready"})
    assert r.status_code == 200 and r.get_json()["status"] == "ready"


@pytest.mark.parametrize("step, body, status, field", [
    ("outline", {"request": request_data(chapters=0)}, 422, "chapters"),
    ("outline", {"request": {"genre": "x"}}, 422, "reader"),
    ("outline", {}, 422, "request"),
    ("chapters", {"book_id": "Bad!", "chapter": 1}, 422, "book_id"),
    ("chapters", {"book_id": "nope", "chapter": "one"}, 422, "chapter"),
    ("chapters", {"book_id": "never-stored", "chapter": 1}, 422, "book_id"),
    ("assemble", {"book_id": 5}, 422, "book_id"),
    ("publish", {"book_id": "x", "status": "weird"}, 422, "status"),
])
def test_caller_mistakes_are_4xx_naming_the_field(client, step, body, status, field):
    r = post(client(step), body)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.get_json()["field"] == field


@pytest.mark.parametrize("raw", [b"not json", b""])
def test_a_body_that_is_not_json_is_400(client, raw):
    r = client("outline").post("/", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == "InvalidRequest"


def test_transient_model_failure_is_503(client):
    services = client.services
    r = post(client("outline"), {"request": request_data(chapters=1)})
    book_id = r.get_json()["book_id"]
    services.llm.inner.enqueue(UpstreamTransient("rate limited"))
    r = post(client("chapters"), {"book_id": book_id, "chapter": 1})
    assert r.status_code == 503 and r.get_json()["error"] == "UpstreamTransient"
    retry = post(client("chapters"), {"book_id": book_id, "chapter": 1})
    assert retry.status_code == 200


def test_conflicting_book_id_is_rejected(client):
    assert post(client("outline"), {"request": request_data(book_id="same-id")}).status_code == 200
    r = post(client("outline"), {"request": request_data(book_id="same-id", genre="mystery")})
    assert r.status_code == 422 and r.get_json()["field"] == "book_id"
