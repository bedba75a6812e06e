"""CachedLLM over an in-memory Storage fake: keys, hits, misses, what is (not) stored."""

from __future__ import annotations

import hashlib
import json

import pytest

from bookgen.errors import NotFound, UpstreamTransient
from bookgen.llm import Params
from bookgen.llm.cache import CachedLLM, cache_key
from bookgen.llm.scripted import ScriptedLLM


class MemoryStorage:
    """A dict-backed Storage port fake."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.writes: list[tuple[str, bool]] = []

    def read(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise NotFound(key) from None

    def write(self, key, data, content_type="application/octet-stream", if_absent=False) -> bool:
        self.writes.append((key, if_absent))
        if if_absent and key in self.objects:
            return False
        self.objects[key] = data
        return True

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def uri(self, key: str) -> str:
        return f"mem://{key}"


MSGS = [{"role": "user", "content": "Write a haiku about tides"}]
P = Params(max_tokens=30, seed=7)
SCHEMA = {"name": "Haiku", "schema": {"type": "object", "properties": {"lines": {"type": "array"}}}}


def test_key_is_sha256_of_canonical_json():
    expected = hashlib.sha256(json.dumps(
        {"provider": "scripted", "model": "scripted-1", "messages": MSGS, "schema": None,
         "params": {"max_tokens": 30, "temperature": 0.7, "seed": 7, "frequency_penalty": 0.0,
                    "presence_penalty": 0.0, "repeat_penalty": 1.0}},
        sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert cache_key("scripted", "scripted-1", MSGS, None, P) == expected


def test_miss_stores_then_hit_returns_stored_generation():
    inner, storage = ScriptedLLM().enqueue("Tides turn at night"), MemoryStorage()
    llm = CachedLLM(inner, storage)
    first = llm.generate(MSGS, None, P)
    second = llm.generate(MSGS, None, P)
    assert len(inner.history) == 1  # the second call never reached the model
    key = "raw/cache/llm/" + cache_key("scripted", "scripted-1", MSGS, None, P) + ".json"
    assert list(storage.objects) == [key] and storage.writes == [(key, True)]
    assert first.cache_hit is False and second.cache_hit is True and second.latency_ms == 0
    assert (second.text, second.usage, second.model, second.provider) == (
        first.text, first.usage, first.model, first.provider)
    assert llm.provider == "scripted" and llm.model == "scripted-1"


def test_structured_hit_keeps_parsed():
    inner = ScriptedLLM().enqueue({"lines": ["a", "b", "c"]})
    llm = CachedLLM(inner, MemoryStorage())
    llm.generate(MSGS, SCHEMA, P)
    hit = llm.generate(MSGS, SCHEMA, P)
    assert hit.cache_hit and hit.parsed == {"lines": ["a", "b", "c"]}


@pytest.mark.parametrize("change", [
    {"messages": [{"role": "user", "content": "Write a haiku about rain"}]},
    {"schema": SCHEMA},
    {"params": Params(max_tokens=30, seed=8)},
])
def test_any_input_change_is_a_miss(change):
    inner = ScriptedLLM(responder=lambda m, s, p: {"lines": []} if s else "x")
    llm = CachedLLM(inner, MemoryStorage())
    llm.generate(MSGS, None, P)
    call = {"messages": MSGS, "schema": None, "params": P, **change}
    assert llm.generate(call["messages"], call["schema"], call["params"]).cache_hit is False
    assert len(inner.history) == 2


def test_model_is_part_of_the_key():
    storage = MemoryStorage()
    CachedLLM(ScriptedLLM(model="a").enqueue("x"), storage).generate(MSGS, None, P)
    other = ScriptedLLM(model="b").enqueue("y")
    assert CachedLLM(other, storage).generate(MSGS, None, P).text == "y"


def test_errors_and_undecodable_structured_output_are_not_stored():
    inner = ScriptedLLM().enqueue(UpstreamTransient("503"), "not json", {"lines": []})
    storage = MemoryStorage()
    llm = CachedLLM(inner, storage)
    with pytest.raises(UpstreamTransient):
        llm.generate(MSGS, SCHEMA, P)
    assert llm.generate(MSGS, SCHEMA, P).parsed is None
    assert storage.objects == {}
    assert llm.generate(MSGS, SCHEMA, P).parsed == {"lines": []}
    assert len(storage.objects) == 1


def test_unreadable_cache_object_is_a_miss():
    inner, storage = ScriptedLLM().enqueue("fresh"), MemoryStorage()
    llm = CachedLLM(inner, storage)
    storage.objects[llm.key_for(MSGS, None, P)] = b"{broken"
    assert llm.generate(MSGS, None, P).text == "fresh"
