"""chapters: write one chapter per call, from the frozen bible; idempotent per chapter."""

from __future__ import annotations

import re
from typing import Any

from bookgen import keys
from bookgen.errors import InvalidRequest
from bookgen.llm import Params
from bookgen.models import Chapter, StoryBible, Usage
from bookgen.pipeline.common import load_request, record_calls, require, step_run
from bookgen.pipeline.prompting import chapter_messages
from bookgen.services import Services
from bookgen.storage import read_json, write_json

# Tokens per word of the budget. Models rarely stop on their own at a length, so max_tokens is the length
# control; the text is then cut back to its last full sentence. Other languages take more tokens per word.
TOKENS_PER_WORD = {"en": 1.35}
TOKENS_PER_WORD_OTHER = 1.8


def run(services: Services, payload: Any) -> dict[str, Any]:
    book_id = keys.check_book_id(require(payload, "book_id", str))
    number = require(payload, "chapter", int)
    execution_id = payload.get("execution_id")
    with step_run(services, "chapters", book_id, execution_id):
        chapter = write_chapter(services, book_id, number, execution_id)
    return {"book_id": book_id, "chapter": number, "words": chapter.words,
            "chapter_uri": services.storage.uri(keys.chapter(book_id, number))}


def write_chapter(services: Services, book_id: str, number: int, execution_id: str | None,
                  feedback: str | None = None, attempt: int = 0) -> Chapter:
    """Write (or reuse) one chapter. With `feedback` (a regeneration by `assemble`), the stored draft is
    replaced; the seed moves with `attempt` so the model does not repeat itself."""
    key = keys.chapter(book_id, number)
    if feedback is None and services.storage.exists(key):
        chapter = Chapter.model_validate(read_json(services.storage, key))
        record_calls(services, [_as_generation(chapter)], book_id=book_id, execution_id=execution_id,
                     step="chapters", chapter=number, reused=True)
        return chapter
    request = load_request(services, book_id)
    bible = StoryBible.model_validate(read_json(services.storage, keys.bible(book_id))["bible"])
    if not 1 <= number <= len(bible.chapters):
        raise InvalidRequest(f"chapter must be between 1 and {len(bible.chapters)}", field="chapter")
    plan = bible.chapters[number - 1]
    messages = chapter_messages(request, bible, plan)
    if feedback:
        messages.append({"role": "user", "content": feedback})
    s = services.settings
    per_word = TOKENS_PER_WORD.get(request.language.split("-")[0], TOKENS_PER_WORD_OTHER)
    params = Params(max_tokens=int(plan.word_budget * per_word) + 16, temperature=s.temperature, seed=s.seed + attempt,
                    frequency_penalty=0.5, presence_penalty=0.3, repeat_penalty=1.2, cache_key="bookgen-chapter-v1")
    gen = services.llm.generate(messages, None, params)
    cost = record_calls(services, [gen], book_id=book_id, execution_id=execution_id,
                        step="assemble" if feedback else "chapters", chapter=number)
    text = clean(gen.text, plan.title, cut=gen.finish_reason == "length")
    chapter = Chapter(number=number, title=plan.title, text=text, words=len(text.split()), model=gen.model,
                      provider=gen.provider, usage=Usage(**vars(gen.usage)), cost_usd=cost)
    write_json(services.storage, key, chapter.model_dump(mode="json"), if_absent=feedback is None)
    return Chapter.model_validate(read_json(services.storage, key))


_TITLE_LINE = re.compile(r"^\s*(#+\s*)?(chapter|cap[ií]tulo|chapitre|kapitel)\b[^\n]*\n+", re.IGNORECASE)


_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)]*(?=\s|$)")


def clean(text: str, title: str, cut: bool = False) -> str:
    """Normalize whitespace and drop a leading heading the model wrote despite being asked not to; when the
    model was cut off by the token limit, end at its last full sentence."""
    text = text.replace("\r\n", "\n").strip()
    if cut:
        ends = list(_SENTENCE_END.finditer(text))
        if ends and ends[-1].end() > len(text) // 2:
            text = text[: ends[-1].end()]
    text = _TITLE_LINE.sub("", text, count=1)
    if text.lower().startswith(title.lower()):
        text = text[len(title):].lstrip(" :.-\n")
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _as_generation(chapter: Chapter) -> Any:
    from bookgen.llm import Generation, TokenUsage

    return Generation(text=chapter.text, parsed=None, usage=TokenUsage(**chapter.usage.model_dump()),
                      model=chapter.model, provider=chapter.provider, latency_ms=0, cache_hit=True)
