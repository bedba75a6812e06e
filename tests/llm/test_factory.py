"""make_llm chooses adapters by setting; price_usd prices usage from the settings' table."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bookgen.errors import ConfigError
from bookgen.llm import Params, TokenUsage
from bookgen.llm.factory import make_llm, price_usd, resolve_provider
from bookgen.llm.scripted import BLOCK_ENV, ScriptedLLM
from bookgen.settings import DEFAULT_PRICES, Settings

PRICES = {"gpt-5.4-mini": {"input": 0.75, "cached": 0.075, "output": 4.50},
          "gpt-5.4": {"input": 2.50, "cached": 0.25, "output": 15.00},
          "gpt-5.5-pro": {"input": 30.0, "output": 180.0}}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_auto_is_openai_with_a_key_else_local(monkeypatch):
    assert resolve_provider(Settings(llm_provider="auto")) == "local"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert resolve_provider(Settings(llm_provider="auto")) == "openai"
    assert resolve_provider(Settings(llm_provider="local")) == "local"


@pytest.mark.real_model
def test_openai_adapter_gets_the_settings(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    llm = make_llm(Settings(llm_provider="auto", openai_model="gpt-5.4-nano", openai_structured_output="json_object",
                            openai_timeout_s=9.0, openai_max_retries=2))
    assert (llm.provider, llm.model) == ("openai", "gpt-5.4-nano")
    assert (llm.structured, llm.timeout, llm.max_retries, llm.is_openai) == ("json_object", 9.0, 2, True)


@pytest.mark.real_model
def test_openai_without_key_is_a_config_error():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_llm(Settings(llm_provider="openai"))


@pytest.mark.real_model
def test_local_adapter_gets_the_settings(tmp_path):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    llm = make_llm(Settings(llm_provider="local", local_model_path=model, local_threads=3, local_context=512,
                            seed=11))
    assert (llm.provider, llm.model) == ("local", "tiny")
    assert (llm.model_path, llm.threads, llm.context, llm.seed) == (model, 3, 512, 11)


@pytest.mark.real_model
def test_local_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        make_llm(Settings(llm_provider="local", local_model_path=tmp_path / "nope.gguf"))


def test_scripted_provider_answers_without_a_queue():
    llm = make_llm(Settings(llm_provider="scripted"))
    assert isinstance(llm, ScriptedLLM) and llm.provider == "scripted"
    gen = llm.generate([{"role": "user", "content": "Write about 20 words."}], None, Params(max_tokens=50))
    assert len(gen.text.split()) >= 20 and gen.usage.completion_tokens == len(gen.text.split())


def test_blocked_real_providers(monkeypatch):
    monkeypatch.setenv(BLOCK_ENV, "1")
    with pytest.raises(ConfigError, match="blocked"):
        make_llm(Settings(llm_provider="auto"))
    assert make_llm(Settings(llm_provider="scripted")).provider == "scripted"


def test_price_uncached_cached_and_output():
    usage = TokenUsage(prompt_tokens=10_000, cached_tokens=4_000, completion_tokens=2_000)
    expected = (6_000 * 0.75 + 4_000 * 0.075 + 2_000 * 4.50) / 1e6
    assert price_usd("gpt-5.4-mini", usage, PRICES) == pytest.approx(expected)
    assert price_usd("gpt-5.4-mini", usage, PRICES) == pytest.approx(0.0138)


def test_price_of_dated_snapshot_uses_longest_prefix():
    usage = TokenUsage(prompt_tokens=1_000_000)
    assert price_usd("gpt-5.4-mini-2026-03-17", usage, PRICES) == pytest.approx(0.75)
    assert price_usd("gpt-5.4-2026-03-05", usage, PRICES) == pytest.approx(2.50)


def test_missing_cached_rate_bills_cached_tokens_at_input_rate():
    usage = TokenUsage(prompt_tokens=1_000_000, cached_tokens=500_000)
    assert price_usd("gpt-5.5-pro", usage, PRICES) == pytest.approx(30.0)


def test_unknown_model_is_free_and_warned_once(caplog):
    caplog.set_level(logging.WARNING, logger="bookgen.llm.factory")
    usage = TokenUsage(prompt_tokens=100, completion_tokens=100)
    assert price_usd("mystery-model-x", usage, PRICES) == 0.0
    assert price_usd("mystery-model-x", usage, PRICES) == 0.0
    assert [r.getMessage() for r in caplog.records].count(
        "no price for model 'mystery-model-x' in the price table; counting its calls as $0") == 1


def test_default_price_table_covers_the_default_model():
    assert Settings.model_fields["openai_model"].default in DEFAULT_PRICES


def test_importing_the_factory_does_not_import_sdks():
    code = ("import sys, bookgen.llm.factory, bookgen.llm.structured, bookgen.llm.cache; "
            "print(sorted(m for m in ('openai', 'llama_cpp', 'httpx2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
