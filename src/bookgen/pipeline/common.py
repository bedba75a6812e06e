"""What every step shares: timing rows in `step_runs`, model calls in `llm_calls`, loading artifacts."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bookgen import keys
from bookgen.errors import InvalidRequest, NotFound
from bookgen.models import BookRequest
from bookgen.services import Services
from bookgen.storage import read_json

log = logging.getLogger("bookgen.pipeline")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def step_run(services: Services, step: str, book_id: str | None, execution_id: str | None,
             attempt: int = 1) -> Iterator[None]:
    """Record one `step_runs` row, whatever happens inside."""
    started, t0 = now_iso(), time.perf_counter()
    status, error_type = "succeeded", None
    try:
        yield
    except Exception as e:
        status, error_type = "failed", type(e).__name__
        raise
    finally:
        row = {"ts": now_iso(), "book_id": book_id, "execution_id": execution_id, "step": step,
               "attempt": attempt, "status": status, "started_at": started, "ended_at": now_iso(),
               "duration_ms": int((time.perf_counter() - t0) * 1000), "error_type": error_type}
        services.analytics.insert("step_runs", [row])
        log.info("step finished", extra={"json_fields": row})


def record_calls(services: Services, generations: list[Any], *, book_id: str, execution_id: str | None,
                 step: str, chapter: int | None, status: str = "ok", reused: bool = False,
                 cost: float | None = None) -> float:
    """One `llm_calls` row per generation; returns their total cost. `reused`: the step found its output
    already stored, so the call was satisfied without the model (a cache hit that costs nothing). `cost`
    overrides the token price (images are priced per image)."""
    from bookgen.llm.factory import price_usd

    rows, total = [], 0.0
    for attempt, gen in enumerate(generations, start=1):
        hit = reused or gen.cache_hit
        row_cost = 0.0 if hit else cost if cost is not None else price_usd(gen.model, gen.usage,
                                                                              services.settings.prices)
        total += row_cost
        rows.append({
            "ts": now_iso(), "book_id": book_id, "execution_id": execution_id, "step": step, "chapter": chapter,
            "provider": gen.provider, "model": gen.model, "prompt_tokens": gen.usage.prompt_tokens,
            "cached_tokens": gen.usage.cached_tokens, "completion_tokens": gen.usage.completion_tokens,
            "latency_ms": 0 if reused else gen.latency_ms, "cost_usd": row_cost, "cache_hit": hit,
            "attempt": attempt, "status": "reused" if reused else status, "error": None,
        })
    if rows:
        services.analytics.insert("llm_calls", rows)
    return total


def load_request(services: Services, book_id: str) -> BookRequest:
    try:
        return BookRequest.model_validate(read_json(services.storage, keys.request(book_id)))
    except NotFound:
        raise InvalidRequest(f"no book {book_id!r}: its request was never stored", field="book_id") from None


def require(payload: Any, field: str, kind: type) -> Any:
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object", field=None)
    value = payload.get(field)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise InvalidRequest(f"{field} is required ({kind.__name__})", field=field)
    return value
