"""`ScriptedLLM`: the test adapter (after simonw/llm's MockModel and pydantic-ai's TestModel), and the switch
that keeps tests away from real models.

    llm = ScriptedLLM()
    llm.enqueue("Once upon a time.")          # free text
    llm.enqueue({"title": "The Sea"})         # structured: `parsed` is the dict, `text` its JSON
    llm.enqueue(UpstreamTransient("boom"))    # raised by the next call
    gen = llm.generate(messages, None, Params(max_tokens=50))
    llm.history[-1].messages                  # every call is recorded

A `responder(messages, schema, params) -> str | dict` answers when the queue is empty. `fill_schema` (the
default responder of `make_llm` for provider "scripted") produces the smallest output valid for a schema.

`BOOKGEN_BLOCK_REAL_MODELS=1` makes the real adapters (openai, local) raise ConfigError when constructed;
they call `check_real_models_allowed()`.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bookgen.errors import ConfigError
from bookgen.llm import Generation, Params, TokenUsage

BLOCK_ENV = "BOOKGEN_BLOCK_REAL_MODELS"

Responder = Callable[[list[dict[str, str]], dict[str, Any] | None, Params], "str | dict[str, Any] | list[Any]"]


def check_real_models_allowed(provider: str) -> None:
    """Raise ConfigError when real model calls are blocked (`BOOKGEN_BLOCK_REAL_MODELS` set to 1/true/yes)."""
    if os.environ.get(BLOCK_ENV, "").strip().lower() in {"1", "true", "yes"}:
        raise ConfigError(f"real model provider {provider!r} is blocked by {BLOCK_ENV}=1; "
                          "use ScriptedLLM in tests, or unset the variable for tests that need a real model")


class ScriptExhausted(RuntimeError):
    """A ScriptedLLM was called with an empty queue and no responder: the test scripted too few answers."""


@dataclass(frozen=True)
class ScriptedCall:
    messages: list[dict[str, str]]
    schema: dict[str, Any] | None
    params: Params


def count_words(text: str) -> int:
    return len(text.split())


class ScriptedLLM:
    """Answers from a queue (then from `responder`), records every call in `history`.

    Usage counts words (prompt: all message contents; completion: the output text), a fair stand-in for
    tokens that makes cost and budget code see non-zero, input-dependent numbers."""

    provider = "scripted"

    def __init__(self, responses: list[Any] | None = None, responder: Responder | None = None,
                 model: str = "scripted-1"):
        self.model = model
        self.responder = responder
        self.history: list[ScriptedCall] = []
        self._queue: deque[Any] = deque(responses or [])

    def enqueue(self, *responses: Any) -> ScriptedLLM:
        """Queue answers: str (text), dict/list (structured, `parsed`), or an exception instance (raised)."""
        self._queue.extend(responses)
        return self

    @property
    def pending(self) -> int:
        return len(self._queue)

    def generate(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Generation:
        start = time.perf_counter()
        self.history.append(ScriptedCall(copy.deepcopy(messages), copy.deepcopy(schema), params))
        if self._queue:
            answer = self._queue.popleft()
        elif self.responder is not None:
            answer = self.responder(messages, schema, params)
        else:
            raise ScriptExhausted(f"ScriptedLLM call #{len(self.history)}: nothing queued and no responder")
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, str):
            text, parsed = answer, (_try_json(answer) if schema is not None else None)
        else:
            text, parsed = json.dumps(answer, ensure_ascii=False), answer
        prompt_words = sum(count_words(str(m.get("content", ""))) for m in messages)
        return Generation(
            text=text, parsed=parsed,
            usage=TokenUsage(prompt_tokens=prompt_words, completion_tokens=count_words(text)),
            model=self.model, provider=self.provider,
            latency_ms=int((time.perf_counter() - start) * 1000), finish_reason="stop",
        )


def _try_json(text: str) -> Any | None:
    try:
        return json.loads(text)
    except ValueError:
        return None


def fill_schema(messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> str | Any:
    """A responder: free text of a few words within `max_tokens`, or the smallest value valid for the schema
    (every property filled, minItems/minLength honoured, the first enum value)."""
    if schema is None:
        words = ["Lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"]
        return " ".join(words[: max(1, min(len(words), params.max_tokens))]) + "."
    root = schema.get("schema", schema)
    return _fill(root, root, depth=0)


def _fill(node: dict[str, Any], root: dict[str, Any], depth: int) -> Any:
    if depth > 20:
        return None
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part] if part else target
        return _fill(target, root, depth + 1)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return _fill(node[key][0], root, depth + 1)
    kind = node.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: _fill(sub, root, depth + 1) for name, sub in node.get("properties", {}).items()}
    if kind == "array":
        return [_fill(node.get("items", {}), root, depth + 1) for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "string":
        text = "x" * max(1, node.get("minLength", 1))
        return text[: node.get("maxLength", len(text))]
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", -1) + 1)
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return True
    return None
