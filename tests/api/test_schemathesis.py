"""Property-based: requests generated from the OpenAPI schema (valid and invalid ones) never get a 5xx.

The API runs in-process (ASGI) on its own data dir; every case carries a valid key, so the generated data
reaches the routes' own validation rather than stopping at 401."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from bookgen.api.app import create_app
from bookgen.api.keys import ApiKey, KeyRing, hash_key
from bookgen.llm.scripted import ScriptedLLM
from bookgen.llm.storyteller import story_responder
from bookgen.services import build_services
from bookgen.settings import Settings

KEY = "bk_schemathesis-0123456789"
_DATA = Path(tempfile.mkdtemp(prefix="bookgen-schemathesis-"))


def _app():
    services = build_services(Settings(data_dir=_DATA, llm_provider="scripted"),
                              llm=ScriptedLLM(responder=story_responder))
    ring = KeyRing([ApiKey(name="fuzz", sha256=hash_key(KEY), requests_per_minute=100_000, books_per_day=100_000)])
    return create_app(services, ring)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(_DATA, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
