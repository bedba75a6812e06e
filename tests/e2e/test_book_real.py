"""Whole books with real models (slow; CI runs them, `make test FAST=1` skips them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import request_data, write_request
from tests.e2e.test_cli_generate import env_for

pytestmark = [pytest.mark.slow, pytest.mark.real_model]


def generate(request: Path, env: dict[str, str]) -> dict:
    p = subprocess.run([sys.executable, "-m", "bookgen", "generate", str(request), "--json"], env=env,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.splitlines()[-1])


def llm_providers(data_dir: Path) -> set[str]:
    from bookgen.analytics.duckdb import DuckDBAnalytics

    with DuckDBAnalytics(data_dir / "analytics.duckdb") as db:
        return {r["provider"] for r in db.query("SELECT DISTINCT provider FROM llm_calls")}


def test_bundled_model_writes_a_book(tmp_path):
    data = tmp_path / "data"
    env = env_for(data, BOOKGEN_LLM_PROVIDER="local")
    env.pop("BOOKGEN_BLOCK_REAL_MODELS", None)
    manifest = generate(write_request(tmp_path / "r.json", request_data(chapters=2, words_per_chapter=120)), env)
    assert manifest["status"] == "ready" and manifest["words"] > 100
    assert {f["format"] for f in manifest["files"]} >= {"epub", "pdf", "html", "md"}
    assert llm_providers(data) == {"local"}


def test_openai_adapter_against_a_compatible_server(tmp_path, llama_server):
    data = tmp_path / "data"
    env = env_for(data, BOOKGEN_LLM_PROVIDER="auto", OPENAI_API_KEY="not-needed", OPENAI_BASE_URL=llama_server,
                  BOOKGEN_OPENAI_STRUCTURED_OUTPUT="json_object", BOOKGEN_OPENAI_MODEL="SmolLM2-135M-Instruct")
    env.pop("BOOKGEN_BLOCK_REAL_MODELS", None)
    manifest = generate(write_request(tmp_path / "r.json", request_data(chapters=2, words_per_chapter=120)), env)
    assert manifest["status"] == "ready"
    assert llm_providers(data) == {"openai"}
