"""`Notifier.handle`: a signed body a receiver can verify, one record per event, no second send."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen import keys
from bookgen.errors import InvalidRequest
from bookgen.notifier.service import Notifier
from bookgen.notifier.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from bookgen.services import Services
from bookgen.storage import read_json, write_json
from tests.notifier.conftest import local_policy

SECRET = "whsec_0123456789abcdef"
EVENT_ID = "7d1f3c1e-2b4a-4c55-9a63-1e0f9d7a2b10"


def event(url: str | None, status: str = "ready", **extra: Any) -> dict[str, Any]:
    files = ["file:///data/processed/books/maya-1/book.epub", "file:///data/processed/books/maya-1/book.pdf"]
    return {"book_id": "maya-1", "status": status, "files": files if status == "ready" else [],
            "cost_usd": 0.0123, "callback_url": url, "error": None, **extra}


@pytest.fixture
def verifying(receiver: HTTPServer) -> list[Request]:
    """The receiver answers 200 only to a delivery whose signature checks out with SECRET (else 401)."""
    accepted: list[Request] = []

    def handler(request: Request) -> Response:
        ok = verify(SECRET, request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER),
                    request.get_data())
        if ok:
            accepted.append(request)
        return Response("ok" if ok else "bad signature", status=200 if ok else 401)

    receiver.expect_request("/hook", method="POST").respond_with_handler(handler)
    return accepted


def notifier(services: Services, secret: str | None = SECRET, **policy: Any) -> Notifier:
    return Notifier(services, lambda book_id: secret, policy=local_policy(**policy), sleep=lambda s: None)


def record(services: Services, event_id: str = EVENT_ID) -> dict[str, Any]:
    return read_json(services.storage, keys.notification("maya-1", event_id))


def test_a_signed_delivery_is_verified_and_recorded(make_services: Callable[..., Services], receiver: HTTPServer,
                                                    verifying: list[Request]) -> None:
    services = make_services()
    url = receiver.url_for("/hook") + "?token=receiver-secret"
    assert notifier(services).handle(EVENT_ID, event(url)) == "delivered"
    [request] = verifying
    assert request.headers[EVENT_ID_HEADER] == EVENT_ID and request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {
        "event_id": EVENT_ID, "book_id": "maya-1", "status": "ready", "cost_usd": 0.0123,
        "files": {"epub": "file:///data/processed/books/maya-1/book.epub",
                  "pdf": "file:///data/processed/books/maya-1/book.pdf"}}
    assert b" " not in request.get_data()  # compact JSON
    saved = record(services)
    assert saved["status"] == "delivered" and saved["url"] == receiver.url_for("/hook")
    assert saved["event_id"] == EVENT_ID and saved["book_id"] == "maya-1" and saved["reason"] == "HTTP 200"
    assert [a["status_code"] for a in saved["attempts"]] == [200] and saved["finished_at"]


def test_the_same_event_is_not_sent_twice(make_services: Callable[..., Services], receiver: HTTPServer,
                                          verifying: list[Request]) -> None:
    services = make_services()
    hook = notifier(services)
    assert hook.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "delivered"
    assert hook.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "duplicate"
    assert len(receiver.log) == 1
    assert hook.handle("another-event", event(receiver.url_for("/hook"))) == "delivered"
    assert len(receiver.log) == 2


def test_an_unfinished_record_is_delivered_again(make_services: Callable[..., Services], receiver: HTTPServer,
                                                 verifying: list[Request]) -> None:
    services = make_services()
    write_json(services.storage, keys.notification("maya-1", EVENT_ID), {"status": "delivering"})
    assert notifier(services).handle(EVENT_ID, event(receiver.url_for("/hook"))) == "delivered"
    assert len(verifying) == 1 and record(services)["status"] == "delivered"


def test_a_final_failure_is_recorded_and_not_repeated(make_services: Callable[..., Services],
                                                      receiver: HTTPServer) -> None:
    receiver.expect_request("/hook").respond_with_data("down", status=500)
    services = make_services()
    hook = notifier(services, max_attempts=2)
    assert hook.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "failed"
    assert hook.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "duplicate"
    saved = record(services)
    assert len(receiver.log) == 2 and len(saved["attempts"]) == 2 and saved["reason"] == "HTTP 500 after 2 attempts"


def test_no_secret_no_delivery(make_services: Callable[..., Services], receiver: HTTPServer,
                               verifying: list[Request]) -> None:
    services = make_services()
    assert notifier(services, secret=None).handle(EVENT_ID, event(receiver.url_for("/hook"))) == "refused"
    assert receiver.log == []
    saved = record(services)
    assert (saved["status"], saved["reason"], saved["attempts"]) == ("refused", "no webhook secret", [])


def test_the_ssrf_guard_refuses_at_delivery(make_services: Callable[..., Services], receiver: HTTPServer,
                                            verifying: list[Request]) -> None:
    services = make_services()
    hook = notifier(services, allow_private=False)  # the receiver on 127.0.0.1 is exactly what must be refused
    assert hook.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "refused"
    assert receiver.log == []
    saved = record(services)
    assert saved["status"] == "refused" and "loopback" in saved["reason"]


def test_no_callback_url(make_services: Callable[..., Services]) -> None:
    services = make_services()
    assert notifier(services).handle(EVENT_ID, event(None)) == "no-callback"
    assert not services.storage.exists(keys.notification("maya-1", EVENT_ID))


def test_a_failed_book_carries_its_error(make_services: Callable[..., Services], receiver: HTTPServer,
                                         verifying: list[Request]) -> None:
    error = {"message": "the model output stayed invalid", "tags": ["ModelOutputInvalid"]}
    assert notifier(make_services()).handle(EVENT_ID, event(receiver.url_for("/hook"), "failed",
                                                            error=error)) == "delivered"
    body = json.loads(verifying[0].get_data())
    assert (body["status"], body["files"], body["error"]) == ("failed", {}, error)


def test_files_link_to_the_api_with_formats_from_the_manifest(make_services: Callable[..., Services],
                                                              receiver: HTTPServer,
                                                              verifying: list[Request]) -> None:
    services = make_services(api_public_url="https://api.example.test/")
    uris = ["file:///data/b/one", "file:///data/b/two.html"]  # the manifest, not the name, says the format
    write_json(services.storage, keys.manifest("maya-1"), {"files": [
        {"format": "epub", "uri": uris[0]}, {"format": "md", "uri": uris[1]}]})
    assert notifier(services).handle(EVENT_ID, event(receiver.url_for("/hook"), files=uris)) == "delivered"
    assert json.loads(verifying[0].get_data())["files"] == {
        "epub": "https://api.example.test/v1/books/maya-1/files/epub",
        "md": "https://api.example.test/v1/books/maya-1/files/md"}


def test_file_formats_fall_back_to_extensions(make_services: Callable[..., Services]) -> None:
    hook = notifier(make_services(api_public_url="https://api.example.test"))
    uris = ["gs://b/processed/books/maya-1/book.epub", "gs://b/processed/books/maya-1/book.MD",
            "gs://b/processed/books/maya-1/cover.png"]
    assert hook.file_links("maya-1", uris) == {"epub": "https://api.example.test/v1/books/maya-1/files/epub",
                                               "md": "https://api.example.test/v1/books/maya-1/files/md"}


def test_bad_events_are_invalid(make_services: Callable[..., Services]) -> None:
    hook = notifier(make_services())
    for event_id, bad in [(EVENT_ID, event("https://example.com/", book_id="../etc")),
                          ("../x", event("https://example.com/")),
                          (EVENT_ID, event(["https://example.com/"]))]:
        with pytest.raises(InvalidRequest):
            hook.handle(event_id, bad)


def test_the_secret_is_never_logged_or_recorded(make_services: Callable[..., Services], receiver: HTTPServer,
                                                caplog: pytest.LogCaptureFixture) -> None:
    receiver.expect_request("/hook").respond_with_data("no", status=503)
    services = make_services()
    with caplog.at_level(logging.DEBUG):
        assert notifier(services, max_attempts=2).handle(EVENT_ID, event(receiver.url_for("/hook?t=tok"))) == "failed"
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")  # not the receiver's log
    assert "HTTP 503" in ours and SECRET not in ours and "tok" not in ours
    raw = services.storage.read(keys.notification("maya-1", EVENT_ID)).decode()
    assert SECRET not in raw and "tok" not in raw


def test_an_interrupted_delivery_stays_open(make_services: Callable[..., Services], receiver: HTTPServer) -> None:
    for code in (503, 200):
        receiver.expect_ordered_request("/hook").respond_with_data("", status=code)
    services = make_services()
    stop = threading.Event()
    stop.set()
    stopping = Notifier(services, lambda book_id: SECRET, policy=local_policy(), sleep=stop.wait)
    assert stopping.handle(EVENT_ID, event(receiver.url_for("/hook"))) == "interrupted"
    saved = record(services)
    assert saved["status"] == "interrupted" and "finished_at" not in saved and len(saved["attempts"]) == 1
    assert notifier(services).handle(EVENT_ID, event(receiver.url_for("/hook"))) == "delivered"  # not a duplicate
    assert len(receiver.log) == 2
