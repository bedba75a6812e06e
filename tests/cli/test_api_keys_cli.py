"""`bookgen api-key create` and `bookgen serve`'s first key."""

from __future__ import annotations

import re

import httpx
from click.testing import CliRunner

from bookgen.api.keys import load_keyring
from bookgen.cli import main
from bookgen.settings import Settings
from tests.e2e.serve_process import ServeProcess


def test_api_key_create_prints_the_key_once_and_stores_its_hash(tmp_path):
    path = tmp_path / "keys.json"
    result = CliRunner().invoke(main, ["api-key", "create", "--name", "acme", "--file", str(path),
                                       "--books-per-day", "3"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert re.fullmatch(r"bk_[A-Za-z0-9_-]{43}", key) and key not in path.read_text()
    entry = load_keyring(Settings(api_keys_file=path)).authenticate(key)
    assert entry.name == "acme" and entry.books_per_day == 3 and entry.webhook_secret.startswith("whsec_")
    bad = CliRunner().invoke(main, ["api-key", "create", "--name", "Not Valid", "--file", str(path)])
    assert bad.exit_code == 2 and "name" in bad.output


def test_serve_without_keys_creates_one_and_it_works(tmp_path):
    serve = ServeProcess(tmp_path / "data", env={"BOOKGEN_LLM_PROVIDER": "scripted"}, args=("--no-worker",))
    try:
        serve.start()
        key = re.search(r"API key \(shown once\): (bk_\S+)", serve.output()).group(1)
        assert key not in (tmp_path / "data" / "api-keys.json").read_text()
        response = httpx.post(f"{serve.url}/v1/books", headers={"Authorization": f"Bearer {key}"},
                              json={"reader": {"name": "Ada"}, "genre": "mystery"}, timeout=10)
        assert response.status_code == 202
        assert serve.stop() == 0
        serve.start()  # the second start finds the key file and creates nothing
        assert serve.output().count("shown once") == 1
        assert httpx.get(f"{serve.url}/v1/books", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    finally:
        serve.kill()
