"""Requests, bibles and chapters for the gate tests, built the way the pipeline builds them."""

from __future__ import annotations

from typing import Any

from bookgen.llm.storyteller import _bible, _prose
from bookgen.models import BookRequest, Chapter, StoryBible, Usage

INTERESTS = ["dinosaurs", "rockets"]


def request(**overrides: Any) -> BookRequest:
    data: dict[str, Any] = {"reader": {"name": "Maya", "age": 7, "interests": list(INTERESTS)},
                            "genre": "adventure", "chapters": 3, "words_per_chapter": 150}
    reader = overrides.pop("reader", {})
    data["reader"].update(reader)
    data.update(overrides)
    return BookRequest.model_validate(data)


def bible(req: BookRequest | None = None, cast: list[str] | None = None, **overrides: Any) -> StoryBible:
    """The storyteller's bible for `req` (characters: the reader and Pip), or one with the given cast."""
    req = req or request()
    draft = _bible({"properties": {"chapters": {"minItems": req.chapters}}}, req.normalized(), req.reader.name,
                   list(req.reader.interests) or ["wonder"])
    if cast is not None:
        draft["characters"] = [{"name": n, "role": "hero" if i == 0 else "friend", "traits": ["brave"]}
                               for i, n in enumerate(cast)]
    chapters = [{**c, "number": i + 1, "word_budget": req.words_per_chapter} for i, c in enumerate(draft["chapters"])]
    return StoryBible.model_validate({**draft, "chapters": chapters, **overrides})


def chapter(number: int, text: str) -> Chapter:
    return Chapter(number=number, title=f"Part {number}", text=text, words=len(text.split()), model="scripted-1",
                   provider="scripted", usage=Usage())


def story(req: BookRequest | None = None, seed: str = "s") -> list[Chapter]:
    """Clean chapters as the scripted storyteller writes them for `req`."""
    req = req or request()
    interests = list(req.reader.interests) or ["wonder"]
    return [chapter(n, _prose(req.reader.name, interests, req.words_per_chapter, f"{seed}{n}"))
            for n in range(1, req.chapters + 1)]


def replace(chapters: list[Chapter], number: int, text: str) -> list[Chapter]:
    return [chapter(c.number, text) if c.number == number else c for c in chapters]
