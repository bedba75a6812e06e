"""The API as its container starts it: `uvicorn --factory bookgen.api.app:create_app`, configured only by the
environment, with no model provider available."""

from __future__ import annotations

import httpx

from bookgen.api.keys import hash_key
from tests.e2e.serve_process import UvicornFactory, keys_json

KEY = "bk_factory-key-0123456789"


def test_uvicorn_factory_serves_the_api_from_environment_settings(tmp_path):
    env = {"BOOKGEN_DATA_DIR": str(tmp_path / "data"), "BOOKGEN_LLM_PROVIDER": "openai",
           "BOOKGEN_API_KEYS": keys_json([{"name": "svc", "sha256": hash_key(KEY)}]),
           "BOOKGEN_API_PUBLIC_URL": "https://books.example.com"}
    with UvicornFactory("bookgen.api.app:create_app", env) as api:
        response = httpx.post(f"{api.url}/v1/books", headers={"Authorization": f"Bearer {KEY}"},
                              json={"reader": {"name": "Ada"}, "genre": "mystery"}, timeout=10)
        assert response.status_code == 202, response.text
        assert response.json()["links"]["self"].startswith("https://books.example.com/v1/books/")
        assert (tmp_path / "data" / "events" / "book-requests.jsonl").exists()
