"""`CachedLLM`: a response cache in front of any LLM adapter, kept in the Storage port.

Key: sha256 of the canonical JSON (sorted keys, no whitespace) of
`{provider, model, messages, schema, params}`; the object lives at `raw/cache/llm/{sha256}.json`.
A hit returns the stored Generation with `cache_hit=True` and `latency_ms=0`. Only calls that returned are
stored (errors never are), and a structured call whose output did not decode as JSON (`parsed is None`) is not
stored either, so a re-run asks the model again instead of replaying garbage. Writes are create-only
(`if_absent=True`): concurrent writers of one key cannot clobber each other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

from bookgen.errors import NotFound
from bookgen.llm import LLM, Generation, Params, TokenUsage
from bookgen.storage import Storage

log = logging.getLogger(__name__)

PREFIX = "raw/cache/llm/"


def cache_key(provider: str, model: str, messages: list[dict[str, str]], schema: dict[str, Any] | None,
              params: Params) -> str:
    """The sha256 hex digest naming a call's cache object."""
    canonical = json.dumps(
        {"provider": provider, "model": model, "messages": messages, "schema": schema, "params": params.as_dict()},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def generation_to_dict(gen: Generation) -> dict[str, Any]:
    return dataclasses.asdict(gen)


def generation_from_dict(data: dict[str, Any]) -> Generation:
    fields = {f.name for f in dataclasses.fields(Generation)}
    values = {k: v for k, v in data.items() if k in fields}
    values["usage"] = TokenUsage(**data.get("usage", {}))
    return Generation(**values)


class CachedLLM:
    """Wraps `inner` (any LLM); same `provider` and `model`, so callers and price tables see the real model."""

    def __init__(self, inner: LLM, storage: Storage):
        self.inner = inner
        self.storage = storage
        self.provider = inner.provider
        self.model = inner.model

    def key_for(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> str:
        return PREFIX + cache_key(self.provider, self.model, messages, schema, params) + ".json"

    def generate(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Generation:
        key = self.key_for(messages, schema, params)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        gen = self.inner.generate(messages, schema, params)
        if schema is None or gen.parsed is not None:
            data = json.dumps(generation_to_dict(gen), ensure_ascii=False, sort_keys=True).encode("utf-8")
            self.storage.write(key, data, "application/json", if_absent=True)
        return gen

    def _lookup(self, key: str) -> Generation | None:
        try:
            raw = self.storage.read(key)
        except NotFound:
            return None
        try:
            gen = generation_from_dict(json.loads(raw))
        except (ValueError, TypeError) as e:
            log.warning("ignoring unreadable LLM cache object %s: %s", key, e)
            return None
        return dataclasses.replace(gen, cache_hit=True, latency_ms=0)
