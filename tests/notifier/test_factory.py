"""The notifier as its container starts it: `uvicorn --factory bookgen.notifier.app:create_app`, configured by
the environment only, with no model provider available."""

from __future__ import annotations

import base64
import json

import httpx

from tests.e2e.serve_process import UvicornFactory


def test_uvicorn_factory_serves_the_push_endpoint(tmp_path):
    env = {"BOOKGEN_DATA_DIR": str(tmp_path / "data"), "BOOKGEN_LLM_PROVIDER": "openai", "BOOKGEN_API_KEYS": "[]"}
    with UvicornFactory("bookgen.notifier.app:create_app", env) as notifier:
        event = {"book_id": "some-book", "status": "ready", "files": [], "cost_usd": 0.0, "callback_url": None}
        envelope = {"message": {"data": base64.b64encode(json.dumps(event).encode()).decode(), "messageId": "42",
                                "attributes": {"event_id": "e-1"}}, "subscription": "projects/p/subscriptions/s"}
        assert httpx.post(f"{notifier.url}/pubsub/push", json=envelope, timeout=10).status_code == 204
        bad = httpx.post(f"{notifier.url}/pubsub/push", json={"message": {}}, timeout=10)
        assert bad.status_code == 400 and "Traceback" not in bad.text
