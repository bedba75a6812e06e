"""The model port: one call, `generate(messages, schema, params) -> Generation`.

Adapters, chosen by the `llm_provider` setting: `openai.py` (Chat Completions, any compatible base URL),
`local.py` (the bundled GGUF model via llama-cpp-python), `scripted.py` (tests). `cache.py` wraps any of them
with the response cache; `structured.py` validates structured output with one bounded re-ask.
Retry owners: HTTP 429/5xx inside the openai adapter; invalid structured output in `structured.py`; everything
else in the workflow's retry policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Params:
    max_tokens: int
    temperature: float = 0.7
    seed: int | None = None
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    repeat_penalty: float = 1.0  # llama.cpp only
    cache_key: str | None = None  # provider prompt-cache routing hint (OpenAI prompt_cache_key)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class TokenUsage:
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Generation:
    text: str
    parsed: Any | None  # the decoded JSON when a schema was given
    usage: TokenUsage
    model: str
    provider: str
    latency_ms: int
    cache_hit: bool = False
    attempts: int = 1
    finish_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class LLM(Protocol):
    provider: str
    model: str

    def generate(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Generation:
        """One completion. `schema` is {"name": str, "schema": JSON Schema} for structured output (the adapter
        constrains the output to it and fills `parsed`), or None for free text. Raises UpstreamTransient /
        UpstreamPermanent (bookgen.errors) for provider failures."""
