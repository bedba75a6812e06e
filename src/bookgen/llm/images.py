"""Illustrated covers from the OpenAI images API, cached like text calls.

Used by `assemble` when the `openai` provider is configured and `BOOKGEN_COVER_IMAGES=1`; otherwise (or when the
call fails) the cover is drawn locally. The image is stored at `raw/cache/images/{sha256}.png`, keyed by the full
request, so a re-run costs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from typing import Any

from bookgen.errors import NotFound, UpstreamError
from bookgen.llm import Generation, TokenUsage

log = logging.getLogger(__name__)
PREFIX = "raw/cache/images/"


def cover_prompt(title: str, genre: str, premise: str, level: str) -> str:
    return (f"A book cover illustration, no text or letters, for a {genre} book titled \"{title}\" for a "
            f"{level} reader. Scene: {premise[:400]}")


def illustrated_cover(client: Any, storage: Any, model: str, prompt: str) -> tuple[bytes, Generation]:
    """PNG bytes of the cover and a Generation record (for llm_calls); raises UpstreamError on failure."""
    request = {"model": model, "prompt": prompt, "size": "1024x1536", "n": 1}
    key = PREFIX + hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest() + ".png"
    try:
        png = storage.read(key)
        return png, _record(model, 0, cache_hit=True)
    except NotFound:
        pass
    start = time.perf_counter()
    try:
        response = client.images.generate(**request)
        png = base64.b64decode(response.data[0].b64_json)
    except Exception as e:  # the SDK's errors, a missing b64 field: the local cover is used instead
        raise UpstreamError(f"cover image: {type(e).__name__}: {e}") from e
    storage.write(key, png, "image/png", if_absent=True)
    return png, _record(model, int((time.perf_counter() - start) * 1000), cache_hit=False)


def _record(model: str, latency_ms: int, cache_hit: bool) -> Generation:
    return Generation(text="", parsed=None, usage=TokenUsage(), model=model, provider="openai",
                      latency_ms=latency_ms, cache_hit=cache_hit, extra={"kind": "image"})
