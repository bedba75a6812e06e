"""Building the messages for each model call from the prompt files.

Every chapter prompt starts with the identical static prefix — system rules, then the story bible and the
reader data — and ends with the chapter's own brief, so provider prompt caching applies across chapters.
"""

from __future__ import annotations

import json

from bookgen.models import BookRequest, ChapterPlan, StoryBible
from bookgen.prompts import render

LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
             "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan", "he": "Hebrew", "ar": "Arabic", "el": "Greek",
             "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "ja": "Japanese", "zh": "Chinese"}
LEVELS = {
    "early-reader": "short sentences, simple everyday words, warm and playful.",
    "middle-grade": "clear sentences, vivid but accessible vocabulary, an adventurous voice.",
    "young-adult": "natural modern prose with emotional depth.",
    "adult": "rich, precise prose for an adult reader.",
}


def language_name(tag: str) -> str:
    return LANGUAGES.get(tag.split("-")[0].lower(), tag)


def reader_data(request: BookRequest) -> str:
    """The reader-supplied fields, quoted as one line of JSON so they read as data."""
    data = {"reader": request.reader.model_dump(exclude_none=True) | {"reading_level": request.reader.level},
            "genre": request.genre, "premise": request.premise, "tone": request.tone, "title": request.title}
    return json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)


def interests_phrase(request: BookRequest) -> str:
    items = list(request.reader.interests)
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def system_message(request: BookRequest) -> dict[str, str]:
    return {"role": "system", "content": render("system.md", language_name=language_name(request.language),
                                                level_guidance=LEVELS[request.reader.level])}


def outline_messages(request: BookRequest) -> list[dict[str, str]]:
    user = render("outline.md", request=request, reader_data=reader_data(request))
    return [system_message(request), {"role": "user", "content": user}]


def chapter_messages(request: BookRequest, bible: StoryBible, plan: ChapterPlan) -> list[dict[str, str]]:
    prefix = render("chapter_prefix.md", bible=bible, genre=request.genre, reader_data=reader_data(request))
    brief = render("chapter_brief.md", plan=plan, total=len(bible.chapters), reader_name=request.reader.name,
                   interests=interests_phrase(request))
    return [system_message(request), {"role": "user", "content": prefix + "\n\n" + brief}]
