"""The notifier as its container starts it: `uvicorn --factory bookgen.notifier.app:create_app`, configured by
the environment only, with no model provider available."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import httpx

from tests.e2e.serve_process import free_port


def test_uvicorn_factory_serves_the_push_endpoint(tmp_path):
    port = free_port()
    env = {**os.environ, "BOOKGEN_DATA_DIR": str(tmp_path / "data"), "BOOKGEN_LLM_PROVIDER": "openai",
           "BOOKGEN_API_KEYS": "[]"}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "bookgen.notifier.app:create_app",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        event = {"book_id": "some-book", "status": "ready", "files": [], "cost_usd": 0.0, "callback_url": None}
        envelope = {"message": {"data": base64.b64encode(json.dumps(event).encode()).decode(), "messageId": "42",
                                "attributes": {"event_id": "e-1"}}, "subscription": "projects/p/subscriptions/s"}
        assert httpx.post(f"http://127.0.0.1:{port}/pubsub/push", json=envelope, timeout=10).status_code == 204
        bad = httpx.post(f"http://127.0.0.1:{port}/pubsub/push", json={"message": {}}, timeout=10)
        assert bad.status_code == 400 and "Traceback" not in bad.text
    finally:
        proc.terminate()
        proc.wait(10)
