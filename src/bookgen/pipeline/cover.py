"""Choosing the cover: an illustrated one from the images API when configured, else drawn locally."""

from __future__ import annotations

import logging

from bookgen.errors import UpstreamError
from bookgen.models import BookRequest, Manuscript
from bookgen.pipeline.common import record_calls
from bookgen.services import Services

log = logging.getLogger(__name__)


def make_cover(services: Services, request: BookRequest, manuscript: Manuscript) -> tuple[bytes, float]:
    """PNG bytes and what they cost. Any failure of the images API falls back to the local cover."""
    from bookgen.render.cover import cover_png

    settings = services.settings
    inner = getattr(services.llm, "inner", services.llm)
    if settings.cover_images and services.llm.provider == "openai" and hasattr(inner, "client"):
        from bookgen.llm.images import cover_prompt, illustrated_cover

        prompt = cover_prompt(manuscript.title, request.genre, manuscript.description, request.reader.level)
        try:
            png, gen = illustrated_cover(inner.client, services.storage, settings.openai_image_model, prompt)
        except UpstreamError as e:
            log.warning("illustrated cover failed, drawing one locally: %s", e)
        else:
            cost = 0.0 if gen.cache_hit else settings.image_price_usd
            record_calls(services, [gen], book_id=manuscript.book_id, execution_id=None, step="assemble",
                         chapter=None, cost=cost)
            return png, cost
    return cover_png(manuscript), 0.0
