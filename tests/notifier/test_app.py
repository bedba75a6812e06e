"""The Cloud Run service through FastAPI's TestClient: push envelopes in, webhooks out, clear errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from bookgen import keys
from bookgen.notifier.app import create_app
from bookgen.notifier.signing import EVENT_ID_HEADER
from bookgen.services import Services
from bookgen.storage import read_json

EVENT_ID = "0b8c4d1e-6f0a-4e2b-9c3d-5a6b7c8d9e0f"


def envelope(event: Any, attributes: dict[str, str] | None = None, message_id: str = "1234567890") -> dict:
    data = base64.b64encode(json.dumps(event).encode()).decode()
    message = {"data": data, "messageId": message_id, "publishTime": "2026-01-01T00:00:00Z"}
    if attributes is not None:
        message["attributes"] = attributes
    return {"message": message, "subscription": "projects/p/subscriptions/book-notifications-push"}


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    # the policy comes from the settings, as on Cloud Run (the receiver is on 127.0.0.1 over http)
    return make_services(webhook_allow_http=True, webhook_allow_private=True, webhook_max_attempts=1)


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services=services, secret_for=lambda book_id: "s3cret"))


def event(receiver: HTTPServer) -> dict[str, Any]:
    return {"book_id": "maya-1", "status": "ready", "files": [], "cost_usd": 0.0,
            "callback_url": receiver.url_for("/hook"), "error": None}


def test_a_push_is_delivered_and_answered_204(client: TestClient, services: Services, receiver: HTTPServer) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    response = client.post("/pubsub/push", json=envelope(event(receiver), {"event_id": EVENT_ID,
                                                                           "book_id": "maya-1"}))
    assert response.status_code == 204 and response.content == b""
    [(request, _)] = receiver.log
    assert request.headers[EVENT_ID_HEADER] == EVENT_ID
    assert read_json(services.storage, keys.notification("maya-1", EVENT_ID))["status"] == "delivered"
    again = client.post("/pubsub/push", json=envelope(event(receiver), {"event_id": EVENT_ID}, "999"))
    assert again.status_code == 204 and len(receiver.log) == 1  # a redelivery sends nothing


def test_the_message_id_is_the_event_id_without_the_attribute(client: TestClient, receiver: HTTPServer) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    assert client.post("/pubsub/push", json=envelope(event(receiver), message_id="42")).status_code == 204
    assert receiver.log[0][0].headers[EVENT_ID_HEADER] == "42"


def test_a_failed_delivery_is_still_204(client: TestClient, services: Services, receiver: HTTPServer) -> None:
    receiver.expect_request("/hook").respond_with_data("gone", status=410)
    response = client.post("/pubsub/push", json=envelope(event(receiver), {"event_id": EVENT_ID}))
    assert response.status_code == 204
    assert read_json(services.storage, keys.notification("maya-1", EVENT_ID))["status"] == "failed"


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"subscription": "s"}', b'{"message": {"data": 5}}',
    b'{"message": {"data": "%%%not-base64", "messageId": "1"}}',
    json.dumps(envelope([1, 2])).encode(),
    json.dumps(envelope({"book_id": "maya-1"}, message_id="")).encode(),
    json.dumps(envelope({"book_id": "Not A Book", "callback_url": "https://example.com/"})).encode(),
])
def test_malformed_pushes_are_400(client: TestClient, body: bytes, receiver: HTTPServer) -> None:
    response = client.post("/pubsub/push", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequest" and response.json()["message"]
    assert receiver.log == []


def test_an_unexpected_error_is_503_without_a_traceback(services: Services) -> None:
    class Broken:
        def handle(self, event_id: str, event: dict[str, Any]) -> str:
            raise RuntimeError("storage is down: /secret/path")

    client = TestClient(create_app(notifier=Broken()))  # type: ignore[arg-type]
    response = client.post("/pubsub/push", json=envelope({"book_id": "maya-1"}, {"event_id": EVENT_ID}))
    assert response.status_code == 503
    assert response.json() == {"error": "InternalError", "message": "internal error (see the logs)"}


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_by_default_books_without_an_owner_are_signed_with_the_setting(
        make_services: Callable[..., Services], receiver: HTTPServer) -> None:
    from bookgen.notifier.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    services = make_services(webhook_allow_http=True, webhook_allow_private=True, webhook_secret="from-settings")
    client = TestClient(create_app(services=services))  # secret_for: bookgen.api.owners.secret_resolver
    assert client.post("/pubsub/push", json=envelope(event(receiver), {"event_id": EVENT_ID})).status_code == 204
    [(request, _)] = receiver.log
    assert verify("from-settings", request.headers[SIGNATURE_HEADER], request.headers[TIMESTAMP_HEADER],
                  request.get_data())


def test_an_interrupted_delivery_is_503(services: Services) -> None:
    class Stopping:
        def handle(self, event_id: str, event: dict[str, Any]) -> str:
            return "interrupted"

    client = TestClient(create_app(notifier=Stopping()))  # type: ignore[arg-type]
    response = client.post("/pubsub/push", json=envelope({"book_id": "maya-1"}, {"event_id": EVENT_ID}))
    assert response.status_code == 503 and response.json()["error"] == "Unavailable"
