"""`OpenAIChat`: Chat Completions through the `openai` SDK, for OpenAI and any OpenAI-compatible server.

Retries: this adapter is the only owner of HTTP 429/5xx/408/409, timeouts and connection errors. The SDK's own
retries are off (`max_retries=0`); `_retry_delay` honours `retry-after-ms`/`Retry-After` up to 120 s and
otherwise backs off `min(0.5 * 2**n, 8) s` minus up to 25 % jitter; each retry is logged. A Retry-After above
120 s, or running out of retries, raises UpstreamTransient (the workflow may try again later).
`insufficient_quota` (a 429 about billing) and every other 4xx raise UpstreamPermanent at once.

Two choices depend on the target:
- the structured-output dialect (`structured`): "json_schema" (OpenAI, vLLM, llama.cpp's C++ server) sends
  `{"type": "json_schema", "json_schema": {"name", "schema": strict_schema(...), "strict": true}}`;
  "json_object" (llama-cpp-python's server) sends `{"type": "json_object", "schema": ...}`.
- OpenAI itself (`is_openai`, by default: the base URL's host ends in openai.com) gets `max_completion_tokens`
  (newer and reasoning models reject `max_tokens`) and `prompt_cache_key`; any other server gets the
  universally understood `max_tokens` (llama-cpp-python's server silently ignores `max_completion_tokens` and
  would generate to the context limit) and no cache key. The json_object dialect also always sends llama.cpp's
  `repeat_penalty` (that server's own default is 1.1). Frequency/presence penalties and the seed are sent only
  when set (non-zero / not None), so OpenAI models that reject sampling knobs see as few as possible.
"""

from __future__ import annotations

import copy
import email.utils
import functools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from bookgen.llm import Generation, Params, TokenUsage
from bookgen.llm.scripted import check_real_models_allowed

if TYPE_CHECKING:
    from openai import OpenAI

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
MAX_RETRY_AFTER_S = 120.0
INITIAL_DELAY_S = 0.5
MAX_DELAY_S = 8.0
RETRYABLE_STATUS = frozenset({408, 409, 429})
Dialect = Literal["json_schema", "json_object"]


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` valid for OpenAI strict mode: on every object (nested, in `$defs`, in `items`,
    `anyOf`, `allOf`, `prefixItems`) all properties are required and `additionalProperties` is false; `default`s
    are dropped (meaningless once everything is required). Optional fields should already be nullable."""
    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) if k in ("items", "anyOf", "allOf", "prefixItems", "not") else v
               for k, v in node.items() if k != "default"}
        for key in ("$defs", "definitions", "properties"):
            if isinstance(node.get(key), dict):
                out[key] = {name: walk(sub) for name, sub in node[key].items()}
        if node.get("type") == "object" or "properties" in node:
            out["required"] = list(node.get("properties", {}))
            out["additionalProperties"] = False
        return out

    result: dict[str, Any] = walk(copy.deepcopy(schema))
    return result


@functools.cache
def _shared_client(base_url: str, api_key: str, timeout: float) -> OpenAI:
    """One SDK client per (base URL, key, timeout) per process; SDK retries off — we own them."""
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)


class OpenAIChat:
    """The `openai` provider. `http_client` (an `httpx2.Client`) is for tests that record the wire traffic."""

    provider = "openai"

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 structured: Dialect = "json_schema", timeout: float = 120.0, max_retries: int = 4,
                 is_openai: bool | None = None, http_client: Any | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        check_real_models_allowed(self.provider)
        if structured not in ("json_schema", "json_object"):
            raise ConfigError(f"unknown structured-output dialect {structured!r}")
        if max_retries < 0:
            raise ConfigError("openai_max_retries must be >= 0")
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""
        self.is_openai = host.endswith("openai.com") if is_openai is None else is_openai
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key and self.is_openai:
            raise ConfigError("OPENAI_API_KEY is not set (needed for the openai provider against OpenAI)")
        self._api_key = key or "not-needed"  # compatible servers ignore it, but the SDK wants a non-empty key
        self.structured = structured
        self.timeout = timeout
        self.max_retries = max_retries
        self._http_client = http_client
        self._sleep = sleep
        self._own_client: OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> OpenAI:
        if self._http_client is None:
            return _shared_client(self.base_url, self._api_key, self.timeout)
        with self._lock:
            if self._own_client is None:
                from openai import OpenAI

                self._own_client = OpenAI(base_url=self.base_url, api_key=self._api_key, timeout=self.timeout,
                                          max_retries=0, http_client=self._http_client)
            return self._own_client

    def request_body(self, messages: list[dict[str, str]], schema: dict[str, Any] | None,
                     params: Params) -> dict[str, Any]:
        """The keyword arguments of `chat.completions.create` (and so the JSON body) for one call."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": params.temperature}
        body["max_completion_tokens" if self.is_openai else "max_tokens"] = params.max_tokens
        if params.seed is not None:
            body["seed"] = params.seed
        if params.frequency_penalty:
            body["frequency_penalty"] = params.frequency_penalty
        if params.presence_penalty:
            body["presence_penalty"] = params.presence_penalty
        if params.cache_key and self.is_openai:
            body["prompt_cache_key"] = params.cache_key
        if schema is not None:
            body["response_format"] = self._response_format(schema)
        if self.structured == "json_object":  # llama-cpp-python's server would apply its own default (1.1)
            body["extra_body"] = {"repeat_penalty": params.repeat_penalty}
        return body

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.structured == "json_object":  # a llama.cpp grammar: long maxLength limits break it
            from bookgen.llm.local import grammar_safe

            return {"type": "json_object", "schema": grammar_safe(schema["schema"])}
        return {"type": "json_schema", "json_schema": {
            "name": schema["name"], "schema": strict_schema(schema["schema"]), "strict": True}}

    def generate(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Generation:
        body = self.request_body(messages, schema, params)
        start = time.perf_counter()
        completion, attempts = self._create_with_retries(body)
        latency_ms = int((time.perf_counter() - start) * 1000)
        return self._to_generation(completion, schema, latency_ms, attempts)

    def _create_with_retries(self, body: dict[str, Any]) -> tuple[Any, int]:
        """The one retry loop for transient HTTP and network failures; returns (completion, attempts)."""
        import openai

        attempt = 0
        while True:
            try:
                return self.client.chat.completions.create(**body), attempt + 1
            except (openai.APIStatusError, openai.APIConnectionError) as e:
                reason, headers = self._transient_or_raise(e)
                delay = _retry_delay(headers, attempt)
                if delay is None:
                    raise UpstreamTransient(
                        f"{self.model}: {reason}, Retry-After exceeds {MAX_RETRY_AFTER_S:.0f} s") from e
                if attempt >= self.max_retries:
                    raise UpstreamTransient(f"{self.model}: {reason} after {attempt + 1} attempt(s)") from e
            attempt += 1
            log.warning("openai retry %d/%d in %.2f s after %s", attempt, self.max_retries, delay, reason,
                        extra={"model": self.model, "attempt": attempt, "delay_s": delay})
            self._sleep(delay)

    def _transient_or_raise(self, e: Exception) -> tuple[str, Mapping[str, str]]:
        """(reason, response headers) of a retryable failure; UpstreamPermanent for the others."""
        import openai

        if not isinstance(e, openai.APIStatusError):
            return type(e).__name__, {}  # connection errors and timeouts
        if e.status_code == 429 and "insufficient_quota" in (e.code, e.type):
            raise UpstreamPermanent(f"{self.model}: OpenAI quota exhausted (insufficient_quota)") from e
        if e.status_code not in RETRYABLE_STATUS and e.status_code < 500:
            raise UpstreamPermanent(f"{self.model}: HTTP {e.status_code}: {e.message}") from e
        return f"HTTP {e.status_code}", e.response.headers

    def _to_generation(self, completion: Any, schema: dict[str, Any] | None, latency_ms: int,
                       attempts: int) -> Generation:
        choice = completion.choices[0] if completion.choices else None
        text = (choice.message.content or "") if choice else ""
        finish = choice.finish_reason if choice else None
        parsed = None
        if schema is not None and finish != "length":
            try:
                parsed = json.loads(text, strict=False)  # llama.cpp grammars let raw newlines into strings
            except ValueError:
                parsed = None
        usage = completion.usage
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        extra: dict[str, Any] = {"served_model": completion.model, "response_id": completion.id}
        refusal = getattr(choice.message, "refusal", None) if choice else None
        if refusal:
            extra["refusal"] = refusal
        return Generation(
            text=text, parsed=parsed,
            usage=TokenUsage(prompt_tokens=usage.prompt_tokens if usage else 0,
                             cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
                             completion_tokens=usage.completion_tokens if usage else 0),
            model=self.model, provider=self.provider, latency_ms=latency_ms, attempts=attempts,
            finish_reason=finish, extra=extra,
        )


def _retry_delay(headers: Mapping[str, str], attempt: int) -> float | None:
    """Seconds to wait before retry `attempt + 1`; None when the server asks for more than 120 s."""
    wait = _retry_after(headers)
    if wait is not None and wait > MAX_RETRY_AFTER_S:
        return None
    if wait is not None and wait >= 0:
        return wait
    return min(INITIAL_DELAY_S * 2 ** attempt, MAX_DELAY_S) * (1 - 0.25 * random.random())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`retry-after-ms` (milliseconds) or `Retry-After` (seconds, or an HTTP date), when present and valid."""
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (ValueError, TypeError):
        return None
