"""An API over a fresh data dir, with two keys (alice, bob) and a clock the test moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bookgen.api.app import create_app
from bookgen.api.keys import ApiKey, KeyRing, hash_key
from bookgen.services import build_services
from bookgen.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB = "bk_alice-test-key-0123456789", "bk_bob-test-key-0123456789"


def request_data(**overrides) -> dict:
    data = {"reader": {"name": "Maya", "age": 7, "interests": ["dinosaurs", "rockets"]}, "genre": "adventure",
            "chapters": 2, "words_per_chapter": 120}
    data.update(overrides)
    return data


def auth(key: str = ALICE) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_api(tmp_path: Path, clock: Clock):
    """make_api(**settings, keys=[...]) -> (TestClient, services)."""

    def make(keys: list[ApiKey] | None = None, **settings):
        from bookgen.llm.scripted import ScriptedLLM
        from bookgen.llm.storyteller import story_responder

        s = Settings(data_dir=tmp_path / "data", workflow_file=ROOT / "workflows" / "book.yaml",
                     llm_provider="scripted", **settings)
        services = build_services(s, llm=ScriptedLLM(responder=story_responder))
        ring = KeyRing(keys if keys is not None else [
            ApiKey(name="alice", sha256=hash_key(ALICE), webhook_secret="whsec_alice-secret-0123456789"),
            ApiKey(name="bob", sha256=hash_key(BOB), requests_per_minute=5, books_per_day=2)])
        client = TestClient(create_app(services, ring, clock=clock), raise_server_exceptions=False)
        return client, services

    return make


@pytest.fixture
def api(make_api):
    return make_api()
