"""GET routes: status through the book's life, files, listing, health, docs, and errors without stack traces."""

from __future__ import annotations

import hashlib

from bookgen.edge import handle
from bookgen.runner import run_book
from tests.api.conftest import auth, request_data


def submit(client, **overrides) -> str:
    response = client.post("/v1/books", json=request_data(**overrides), headers=auth())
    assert response.status_code == 202, response.text
    return response.json()["book_id"]


def test_status_follows_the_book_from_queued_to_ready(api):
    client, services = api
    book_id = submit(client, chapters=3)
    status = client.get(f"/v1/books/{book_id}", headers=auth()).json()
    assert status["status"] == "queued" and status["progress"] == {"chapters_done": 0, "chapters_total": 3}

    assert handle("outline", {"book_id": book_id}, services)[0] == 200
    assert handle("chapters", {"book_id": book_id, "chapter": 2}, services)[0] == 200
    status = client.get(f"/v1/books/{book_id}", headers=auth()).json()
    assert status["status"] == "running" and status["progress"] == {"chapters_done": 1, "chapters_total": 3}
    assert status["title"]

    assert run_book(services, {"book_id": book_id}).state == "SUCCEEDED"
    status = client.get(f"/v1/books/{book_id}", headers=auth()).json()
    assert status["status"] == "ready" and status["progress"]["chapters_done"] == 3
    assert status["quality"]["passed"] is True and status["quality"]["gates"]["length"] is True
    assert set(status["files"]) >= {"epub", "pdf", "html", "md"}
    assert isinstance(status["cost_usd"], float) and status["words"] > 0

    epub = client.get(status["files"]["epub"]["url"], headers=auth())
    assert epub.status_code == 200 and epub.headers["content-type"] == "application/epub+zip"
    assert hashlib.sha256(epub.content).hexdigest() == status["files"]["epub"]["sha256"]
    assert f'filename="{book_id}.epub"' in epub.headers["content-disposition"]


def test_failed_book_reports_the_reason(api):
    client, services = api
    book_id = submit(client)
    handle("publish", {"book_id": book_id, "status": "failed", "error": {"message": "the model refused"}}, services)
    status = client.get(f"/v1/books/{book_id}", headers=auth()).json()
    assert status["status"] == "failed" and status["error"]["message"] == "the model refused"
    files = client.get(f"/v1/books/{book_id}/files/pdf", headers=auth())
    assert files.status_code == 409 and files.json()["error"]["code"] == "not_ready"


def test_files_before_ready_and_formats_not_requested(api):
    client, services = api
    book_id = submit(client, formats=["md"])
    assert client.get(f"/v1/books/{book_id}/files/md", headers=auth()).status_code == 409
    run_book(services, {"book_id": book_id})
    assert client.get(f"/v1/books/{book_id}/files/md", headers=auth()).status_code == 200
    missing = client.get(f"/v1/books/{book_id}/files/pdf", headers=auth())
    assert missing.status_code == 404 and "md" in missing.json()["error"]["message"]
    bad = client.get(f"/v1/books/{book_id}/files/docx", headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "file_format"


def test_files_on_cloud_storage_redirect_to_a_signed_url(api):
    client, services = api
    book_id = submit(client, formats=["md"])
    run_book(services, {"book_id": book_id})
    signed = []

    class Signing:  # the storage port with GcsStorage's signed_url (no local path)
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            if name == "path":
                raise AttributeError(name)
            return getattr(self.inner, name)

        def signed_url(self, key, minutes=15):
            signed.append((key, minutes))
            return f"https://storage.example/{key}?X-Goog-Signature=abc"

    services.storage = Signing(services.storage)
    response = client.get(f"/v1/books/{book_id}/files/md", headers=auth(), follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].startswith("https://storage.example/processed/books/")
    assert signed == [(f"processed/books/{book_id}/book.md", 15)]


def test_listing_pages_newest_first(api, clock):
    client, _ = api
    ids = []
    for n in range(1, 6):
        ids.append(submit(client, chapters=n))
        clock.now += 1
    first = client.get("/v1/books?limit=2", headers=auth()).json()
    assert [b["book_id"] for b in first["books"]] == ids[::-1][:2]
    assert all(b["status"] == "queued" for b in first["books"])
    second = client.get(f"/v1/books?limit=2&cursor={first['next_cursor']}", headers=auth()).json()
    third = client.get(f"/v1/books?limit=2&cursor={second['next_cursor']}", headers=auth()).json()
    assert [b["book_id"] for b in second["books"] + third["books"]] == ids[::-1][2:]
    assert third["next_cursor"] is None
    for query, field in (("cursor=garbage", "cursor"), ("limit=0", "limit"), ("limit=101", "limit")):
        response = client.get(f"/v1/books?{query}", headers=auth())
        assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_health_docs_and_unknown_routes(api):
    client, _ = api
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/v1/books", "/v1/books/{book_id}", "/v1/books/{book_id}/files/{file_format}"} <= set(schema["paths"])
    missing = client.get("/v2/nothing")
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "not_found",
                                                                      "message": "no such route"}}
    assert client.delete("/v1/books", headers=auth()).status_code == 405


def test_unexpected_errors_are_500_without_a_stack_trace(api, caplog):
    client, services = api
    book_id = submit(client)

    def broken(key):
        raise RuntimeError("disk on fire at /secret/path")

    services.storage.read = broken
    response = client.get(f"/v1/books/{book_id}", headers=auth())
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "disk on fire" in caplog.text


def test_the_books_row_names_the_requesting_key(api):
    client, services = api
    book_id = submit(client, formats=["md"])
    run_book(services, {"book_id": book_id})
    rows = services.analytics.query(f"SELECT requester FROM books WHERE book_id = '{book_id}'")
    assert [r["requester"] for r in rows] == ["alice"]
