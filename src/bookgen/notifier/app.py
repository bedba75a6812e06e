"""The notifier's Cloud Run service: a Pub/Sub push endpoint in front of `Notifier.handle`.

    POST /pubsub/push   {"message": {"data": base64(event JSON), "attributes": {...}, "messageId": ...},
                         "subscription": ...}
    GET  /healthz       {"status": "ok"}

The event id is the `event_id` attribute that `PubSubEvents` sets (the same for a publish the client
retried), else the message id. Answers: 204 once the event is handled, whatever the delivery's outcome — the
notifier has already retried the webhook as often as its policy allows and recorded the result, and a
non-2xx would only make Pub/Sub repeat all of that; 400 for a message that can never be handled (Pub/Sub
redelivers it until its dead-letter policy moves it away); 503 for anything unexpected (a storage error):
Pub/Sub retries, and the notifier's idempotence keeps a retry from sending twice what was recorded.

Who may call it is Cloud Run's business (IAM: the push subscription's service account needs
`roles/run.invoker`, requests carry its OIDC token); the service has no auth of its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bookgen.errors import InvalidRequest
from bookgen.notifier.service import Notifier

log = logging.getLogger(__name__)


def create_app(services: Any = None, secret_for: Callable[[str], str | None] | None = None,
               notifier: Notifier | None = None) -> FastAPI:
    """The FastAPI app; defaults: storage and events from the settings (no model: the image has none) and the
    API keys' webhook secrets (`secret_resolver`)."""
    if notifier is None:
        if services is None:
            from bookgen.services import build_io_services
            from bookgen.settings import get_settings

            services = build_io_services(get_settings())
        if secret_for is None:
            from bookgen.api.owners import secret_resolver

            secret_for = secret_resolver(services)
        notifier = Notifier(services, secret_for)
    app = FastAPI(title="bookgen notifier", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/pubsub/push")
    async def push(request: Request) -> Response:
        try:
            event_id, event = parse_push(await request.body())
            outcome = await run_in_threadpool(notifier.handle, event_id, event)
        except InvalidRequest as e:
            log.warning("rejected a push message: %s", e)
            return JSONResponse({"error": "InvalidRequest", "message": str(e), "field": e.field}, status_code=400)
        except Exception:
            log.exception("handling a push message failed; Pub/Sub will redeliver it")
            return JSONResponse({"error": "InternalError", "message": "internal error (see the logs)"},
                                status_code=503)
        log.info("push message %s: %s", event_id, outcome, extra={"event_id": event_id, "outcome": outcome})
        if outcome == "interrupted":  # shutting down mid-delivery: not final, let Pub/Sub bring it back
            return JSONResponse({"error": "Unavailable", "message": "shutting down"}, status_code=503)
        return Response(status_code=204)

    return app


def parse_push(raw: bytes) -> tuple[str, dict[str, Any]]:
    """(event id, event) from a Pub/Sub push body; InvalidRequest naming what is wrong."""
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidRequest("the body is not JSON") from e
    message = envelope.get("message") if isinstance(envelope, dict) else None
    if not isinstance(message, dict):
        raise InvalidRequest("the body has no message object", field="message")
    data, attributes = message.get("data"), message.get("attributes") or {}
    if not isinstance(data, str) or not isinstance(attributes, dict):
        raise InvalidRequest("message.data must be a base64 string and attributes an object", field="message")
    try:
        event = json.loads(base64.b64decode(data, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InvalidRequest("message.data is not base64 of UTF-8 JSON", field="message.data") from e
    if not isinstance(event, dict):
        raise InvalidRequest("message.data is not a JSON object", field="message.data")
    event_id = attributes.get("event_id") or message.get("messageId") or message.get("message_id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidRequest("the message has neither an event_id attribute nor a messageId", field="message")
    return event_id, event
