"""The API as its container starts it: `uvicorn --factory bookgen.api.app:create_app`, configured only by the
environment, with no model provider available."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from bookgen.api.keys import hash_key
from tests.e2e.serve_process import free_port, keys_json

KEY = "bk_factory-key-0123456789"


def test_uvicorn_factory_serves_the_api_from_environment_settings(tmp_path):
    port = free_port()
    env = {**os.environ, "BOOKGEN_DATA_DIR": str(tmp_path / "data"), "BOOKGEN_LLM_PROVIDER": "openai",
           "BOOKGEN_API_KEYS": keys_json([{"name": "svc", "sha256": hash_key(KEY)}]),
           "BOOKGEN_API_PUBLIC_URL": "https://books.example.com"}
    env.pop("OPENAI_API_KEY", None)  # the API never builds a model adapter, so it needs no key
    env.pop("PUBSUB_EMULATOR_HOST", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "bookgen.api.app:create_app",
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
        response = httpx.post(f"http://127.0.0.1:{port}/v1/books", headers={"Authorization": f"Bearer {KEY}"},
                              json={"reader": {"name": "Ada"}, "genre": "mystery"}, timeout=10)
        assert response.status_code == 202, response.text
        assert response.json()["links"]["self"].startswith("https://books.example.com/v1/books/")
        assert (tmp_path / "data" / "events" / "book-requests.jsonl").exists()
    finally:
        proc.terminate()
        proc.wait(10)
