"""ScriptedLLM: queue, responder, history, usage, and the switch that blocks real models."""

from __future__ import annotations

import pytest

from bookgen.errors import ConfigError, UpstreamTransient
from bookgen.llm import Params
from bookgen.llm.scripted import (
    BLOCK_ENV,
    ScriptedLLM,
    ScriptExhausted,
    check_real_models_allowed,
    fill_schema,
)

MSGS = [{"role": "system", "content": "You write books."}, {"role": "user", "content": "Title for a sea story"}]
P = Params(max_tokens=20)


def test_queue_answers_in_order_and_records_history():
    llm = ScriptedLLM().enqueue("The Grey Sea", {"title": "Tides"})
    first = llm.generate(MSGS, None, P)
    second = llm.generate(MSGS, {"name": "T", "schema": {"type": "object"}}, P)
    assert (first.text, first.parsed) == ("The Grey Sea", None)
    assert second.parsed == {"title": "Tides"} and second.text == '{"title": "Tides"}'
    assert [c.messages for c in llm.history] == [MSGS, MSGS]
    assert llm.history[1].schema == {"name": "T", "schema": {"type": "object"}}
    assert llm.history[0].params is P and llm.pending == 0
    assert first.provider == "scripted" and first.model == "scripted-1" and first.finish_reason == "stop"


def test_history_is_a_snapshot_not_a_reference():
    llm = ScriptedLLM().enqueue("a")
    msgs = list(MSGS)
    llm.generate(msgs, None, P)
    msgs.append({"role": "user", "content": "more"})
    assert len(llm.history[0].messages) == 2


def test_usage_counts_words():
    gen = ScriptedLLM().enqueue("one two three").generate(MSGS, None, P)
    assert gen.usage.prompt_tokens == 3 + 5  # "You write books." + "Title for a sea story"
    assert gen.usage.completion_tokens == 3 and gen.usage.cached_tokens == 0


def test_string_with_schema_is_decoded_when_json_else_parsed_none():
    llm = ScriptedLLM().enqueue('{"a": 1}', "not json")
    schema = {"name": "X", "schema": {"type": "object"}}
    assert llm.generate(MSGS, schema, P).parsed == {"a": 1}
    assert llm.generate(MSGS, schema, P).parsed is None


def test_enqueued_exception_is_raised_and_recorded():
    llm = ScriptedLLM().enqueue(UpstreamTransient("429"))
    with pytest.raises(UpstreamTransient):
        llm.generate(MSGS, None, P)
    assert len(llm.history) == 1


def test_responder_answers_when_queue_is_empty():
    llm = ScriptedLLM(responder=lambda m, s, p: f"{len(m)} messages, max {p.max_tokens}")
    llm.enqueue("queued first")
    assert llm.generate(MSGS, None, P).text == "queued first"
    assert llm.generate(MSGS, None, P).text == "2 messages, max 20"


def test_empty_script_fails_loudly():
    with pytest.raises(ScriptExhausted):
        ScriptedLLM().generate(MSGS, None, P)


def test_fill_schema_produces_a_valid_minimal_object():
    schema = {"name": "Outline", "schema": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3, "maxLength": 5},
            "chapters": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/Ch"}},
            "tone": {"enum": ["warm", "dry"]},
            "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
        "$defs": {"Ch": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1},
                                                          "done": {"type": "boolean"}}}},
    }}
    gen = ScriptedLLM(responder=fill_schema).generate(MSGS, schema, P)
    assert gen.parsed == {"title": "xxx", "chapters": [{"n": 1, "done": True}] * 2, "tone": "warm", "note": None}
    assert fill_schema(MSGS, None, Params(max_tokens=3)) == "Lorem ipsum dolor."


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_block_switch_raises_config_error(monkeypatch, value):
    monkeypatch.setenv(BLOCK_ENV, value)
    with pytest.raises(ConfigError, match="blocked"):
        check_real_models_allowed("openai")


@pytest.mark.parametrize("value", [None, "", "0"])
def test_block_switch_off(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(BLOCK_ENV, raising=False)
    else:
        monkeypatch.setenv(BLOCK_ENV, value)
    check_real_models_allowed("openai")


def test_real_adapters_refuse_construction_when_blocked(monkeypatch):
    from bookgen.llm.local import LocalLlama
    from bookgen.llm.openai import OpenAIChat

    monkeypatch.setenv(BLOCK_ENV, "1")
    with pytest.raises(ConfigError, match="'openai' is blocked"):
        OpenAIChat("gpt-5.4-mini", api_key="sk-test")
    with pytest.raises(ConfigError, match="'local' is blocked"):
        LocalLlama()
