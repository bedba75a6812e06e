"""outline: validate and store the request, then ask the model once for the story bible (frozen afterwards)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bookgen import keys
from bookgen.errors import InvalidRequest, NotFound
from bookgen.llm import Params
from bookgen.models import BibleDraft, BookRequest, ChapterDraft, ChapterPlan, Manifest, StoryBible
from bookgen.pipeline.common import now_iso, record_calls, step_run
from bookgen.pipeline.prompting import outline_messages
from bookgen.services import Services
from bookgen.storage import read_json, write_json
from bookgen.validation import parse_request


def run(services: Services, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object with `request` (or `book_id` of a stored request)")
    execution_id = payload.get("execution_id")
    request = _request(services, payload)
    book_id = request.derived_book_id()
    with step_run(services, "outline", book_id, execution_id):
        _store_request(services, request, book_id)
        bible = _bible(services, request, book_id, execution_id)
        _start_manifest(services, request, book_id, execution_id)
    return {"book_id": book_id, "bible_uri": services.storage.uri(keys.bible(book_id)),
            "chapters": len(bible.chapters), "title": bible.title}


def _request(services: Services, payload: dict) -> BookRequest:
    if "request" in payload:
        return parse_request(payload["request"])
    book_id = payload.get("book_id")
    if book_id:
        try:
            return parse_request(read_json(services.storage, keys.request(keys.check_book_id(book_id))))
        except NotFound:
            raise InvalidRequest(f"no stored request for book {book_id!r}", field="book_id") from None
    raise InvalidRequest("`request` is required", field="request")


def _store_request(services: Services, request: BookRequest, book_id: str) -> None:
    stored = request.model_dump(mode="json", exclude_none=True) | {"book_id": book_id}
    if not write_json(services.storage, keys.request(book_id), stored, if_absent=True):
        existing = read_json(services.storage, keys.request(book_id))
        if parse_request(existing).normalized() != request.normalized():
            raise InvalidRequest(f"book_id {book_id!r} is already used by a different request", field="book_id")


def _bible(services: Services, request: BookRequest, book_id: str, execution_id: str | None) -> StoryBible:
    from bookgen.llm.structured import StructuredOutputInvalid, generate_structured

    key = keys.bible(book_id)
    if services.storage.exists(key):
        stored = read_json(services.storage, key)
        record_calls(services, [_generation(stored["generation"])], book_id=book_id, execution_id=execution_id,
                     step="outline", chapter=None, reused=True)
        return StoryBible.model_validate(stored["bible"])
    # Room for the whole JSON: a plan cut off by the token limit is invalid and costs a re-ask.
    params = Params(max_tokens=min(800 + 300 * request.chapters, 16000), temperature=0.4,
                    seed=services.settings.seed, repeat_penalty=1.1, cache_key="bookgen-outline-v1")
    try:
        draft, generations = generate_structured(services.llm, outline_messages(request),
                                                 draft_model(request.chapters), params,
                                                 reasks=services.settings.structured_reasks)
    except StructuredOutputInvalid as e:  # the attempts cost money too
        record_calls(services, e.generations, book_id=book_id, execution_id=execution_id, step="outline",
                     chapter=None, status="failed")
        raise
    cost = record_calls(services, generations, book_id=book_id, execution_id=execution_id, step="outline",
                        chapter=None)
    bible = normalize(BibleDraft.model_validate(draft.model_dump()), request)
    last = generations[-1]
    record = {"bible": bible.model_dump(mode="json"), "generation": _generation_record(last, cost, generations),
              "created_at": now_iso()}
    write_json(services.storage, key, record, if_absent=True)
    return StoryBible.model_validate(read_json(services.storage, key)["bible"])


def draft_model(chapters: int) -> type[BibleDraft]:
    """The draft schema with exactly `chapters` chapter plans, so constrained decoding cannot miss any."""
    from pydantic import Field, create_model

    return create_model(  # type: ignore[call-overload]
        "StoryBible", __base__=BibleDraft,
        chapters=(list[ChapterDraft], Field(min_length=chapters, max_length=chapters)),
    )


def normalize(draft: BibleDraft, request: BookRequest) -> StoryBible:
    """The frozen bible: the model's plan made to agree with the request (numbering, budgets, title)."""
    budget = request.words_per_chapter
    plans = [ChapterPlan(number=i, word_budget=budget, **plan.model_dump())
             for i, plan in enumerate(draft.chapters[: request.chapters], start=1)]
    for i in range(len(plans) + 1, request.chapters + 1):
        plans.append(ChapterPlan(number=i, title=f"Chapter {i}", beats=[f"The story continues ({i})."],
                                 start_state=plans[-1].end_state if plans else draft.premise[:300],
                                 end_state="", word_budget=budget))
    title = request.title or draft.title.strip() or f"A {request.genre} for {request.reader.name}"
    fields = draft.model_dump(exclude={"chapters", "title"})
    return StoryBible(title=title, chapters=plans, **fields)


def _start_manifest(services: Services, request: BookRequest, book_id: str, execution_id: str | None) -> None:
    key = keys.manifest(book_id)
    previous = read_json(services.storage, key) if services.storage.exists(key) else {}
    if previous.get("status") == "ready":
        return
    manifest = Manifest(book_id=book_id, status="running", language=request.language,
                        reader_name=request.reader.name, chapters=request.chapters, execution_id=execution_id,
                        requested_at=previous.get("requested_at") or now_iso())
    write_json(services.storage, key, manifest.model_dump(mode="json"))


def _generation_record(gen: Any, cost: float, generations: list[Any]) -> dict[str, Any]:
    record = asdict(gen)
    record.pop("parsed", None)
    record["cost_usd"] = cost
    record["attempts"] = len(generations)
    return record


def _generation(record: dict[str, Any]) -> Any:
    from bookgen.llm import Generation, TokenUsage

    usage = TokenUsage(**record["usage"])
    fields = {k: v for k, v in record.items() if k in Generation.__dataclass_fields__ and k != "usage"}
    return Generation(**{"parsed": None, **fields, "usage": usage})

