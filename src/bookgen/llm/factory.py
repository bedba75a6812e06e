"""Choosing the model adapter by setting, and pricing its usage from the settings' price table.

    llm = make_llm(get_settings())               # "auto": openai when OPENAI_API_KEY is set, else local
    usd = price_usd(gen.model, gen.usage, settings.prices)

Importing this module stays cheap: the adapters (and `openai` / `llama_cpp`) are imported when chosen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bookgen.errors import ConfigError
from bookgen.llm import LLM, TokenUsage

if TYPE_CHECKING:
    from bookgen.settings import Settings

log = logging.getLogger(__name__)


def _openai(settings: Settings) -> LLM:
    from bookgen.llm.openai import OpenAIChat
    from bookgen.settings import openai_api_key

    key = openai_api_key()
    return OpenAIChat(model=settings.openai_model, api_key=key.get_secret_value() if key else None,
                      structured=settings.openai_structured_output, timeout=settings.openai_timeout_s,
                      max_retries=settings.openai_max_retries)


def _local(settings: Settings) -> LLM:
    from bookgen.llm.local import LocalLlama

    return LocalLlama(model_path=settings.local_model_path, threads=settings.local_threads,
                      context=settings.local_context, seed=settings.seed)


def _scripted(settings: Settings) -> LLM:
    import time

    from bookgen.llm.scripted import ScriptedLLM
    from bookgen.llm.storyteller import story_responder

    def respond(messages, schema, params):  # type: ignore[no-untyped-def]
        if settings.scripted_delay_s:
            time.sleep(settings.scripted_delay_s)
        return story_responder(messages, schema, params)

    return ScriptedLLM(responder=respond)


PROVIDERS: dict[str, Callable[[Settings], LLM]] = {"openai": _openai, "local": _local, "scripted": _scripted}


def resolve_provider(settings: Settings) -> str:
    """The concrete provider name: "auto" becomes openai when OPENAI_API_KEY is set, else local."""
    from bookgen.settings import openai_api_key

    if settings.llm_provider == "auto":
        return "openai" if openai_api_key() is not None else "local"
    return settings.llm_provider


def make_llm(settings: Settings) -> LLM:
    """A new adapter for `settings.llm_provider` (SDK clients and loaded models are shared per process)."""
    name = resolve_provider(settings)
    try:
        factory = PROVIDERS[name]
    except KeyError:
        raise ConfigError(f"unknown llm_provider {name!r}; choose one of auto, {', '.join(PROVIDERS)}") from None
    return factory(settings)


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _rates(model: str, prices: dict[str, dict[str, float]]) -> dict[str, float] | None:
    """Exact entry, else the longest key that `model` extends with "-..." (dated snapshots such as
    `gpt-5.4-mini-2026-03-17` price as `gpt-5.4-mini`)."""
    if model in prices:
        return prices[model]
    candidates = [key for key in prices if model.startswith(key + "-")]
    return prices[max(candidates, key=len)] if candidates else None


def price_usd(model: str, usage: TokenUsage, prices: dict[str, dict[str, float]]) -> float:
    """USD for one call: uncached prompt tokens at `input`, cached ones at `cached` (or `input` when the table
    has no cached rate), completion tokens at `output`; rates are per 1M tokens. Unknown model: 0.0, and a
    warning logged once per model."""
    rates = _rates(model, prices)
    if rates is None:
        with _warned_lock:
            first = model not in _warned
            _warned.add(model)
        if first:
            log.warning("no price for model %r in the price table; counting its calls as $0", model)
        return 0.0
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    input_rate = rates.get("input", 0.0)
    total = ((usage.prompt_tokens - cached) * input_rate + cached * rates.get("cached", input_rate)
             + usage.completion_tokens * rates.get("output", 0.0))
    return total / 1_000_000
