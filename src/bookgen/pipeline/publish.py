"""publish: the manifest (status, files with sha256, quality, cost), the `books` row, the notification event.

Also the failure path: the workflow's `except` calls publish with status "failed" and the error."""

from __future__ import annotations

from typing import Any

from bookgen import keys
from bookgen.errors import InvalidRequest, NotFound
from bookgen.models import Chapter, FileInfo, Manifest, StoryBible, Usage
from bookgen.pipeline.common import load_request, now_iso, step_run
from bookgen.services import Services
from bookgen.storage import read_json, write_json

TOPIC = "book-notifications"


def run(services: Services, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object")
    status = payload.get("status", "ready")
    if status not in ("ready", "failed"):
        raise InvalidRequest("status must be ready or failed", field="status")
    book_id = payload.get("book_id")
    execution_id = payload.get("execution_id")
    if book_id is None and status == "failed":
        return {"book_id": None, "status": "failed", "manifest_uri": None}  # the request never became a book
    book_id = keys.check_book_id(book_id)
    with step_run(services, "publish", book_id, execution_id):
        manifest = build_manifest(services, book_id, execution_id, status, payload.get("error"))
        write_json(services.storage, keys.manifest(book_id), manifest.model_dump(mode="json"))
        _record(services, book_id, manifest)
    return {"book_id": book_id, "status": manifest.status,
            "manifest_uri": services.storage.uri(keys.manifest(book_id))}


def build_manifest(services: Services, book_id: str, execution_id: str | None, status: str,
                   error: Any) -> Manifest:
    storage = services.storage
    request = load_request(services, book_id)
    previous = _read(storage, keys.manifest(book_id)) or {}
    bible_record = _read(storage, keys.bible(book_id))
    assembly = _read(storage, keys.assembly(book_id)) if status == "ready" else None
    if status == "ready" and assembly is None:
        raise NotFound(f"book {book_id!r} has not been assembled")
    chapters, tokens, cost = spent(storage, book_id, bible_record)
    cost += (assembly or {}).get("regeneration_cost_usd", 0.0) + (assembly or {}).get("cover_cost_usd", 0.0)
    title = StoryBible.model_validate(bible_record["bible"]).title if bible_record else request.title
    return Manifest(
        book_id=book_id, status=status, title=title, language=request.language, reader_name=request.reader.name,
        chapters=request.chapters, words=sum(c.words for c in chapters),
        files=[FileInfo.model_validate(f) for f in (assembly or {}).get("files", [])],
        cost_usd=round(cost, 6), tokens=tokens, quality=(assembly or {}).get("quality", {}),
        quality_passed=(assembly or {}).get("quality_passed"), execution_id=execution_id,
        requested_at=previous.get("requested_at"), completed_at=now_iso(),
        error=_error(error) if status == "failed" else None,
    )


def _record(services: Services, book_id: str, manifest: Manifest) -> None:
    from bookgen.api.owners import owner_of  # the API key's name; None for books made with the CLI

    request = load_request(services, book_id)
    services.analytics.insert("books", [{
        "book_id": book_id, "requester": owner_of(services.storage, book_id), "requested_at": manifest.requested_at,
        "completed_at": manifest.completed_at, "status": manifest.status, "language": request.language,
        "genre": request.genre, "reader_age": request.reader.age, "chapters": request.chapters,
        "words": manifest.words, "cost_usd": manifest.cost_usd, "formats": list(request.formats),
        "quality_passed": manifest.quality_passed,
    }])
    services.events.publish(TOPIC, {
        "book_id": book_id, "status": manifest.status, "files": [f.uri for f in manifest.files],
        "cost_usd": manifest.cost_usd, "callback_url": request.callback_url, "error": manifest.error,
    })


def spent(storage: Any, book_id: str, bible_record: dict[str, Any] | None = None
          ) -> tuple[list[Chapter], Usage, float]:
    """The chapters written so far, and the tokens and USD spent on the bible and them (a running book's cost)."""
    bible_record = bible_record if bible_record is not None else _read(storage, keys.bible(book_id))
    chapters = [Chapter.model_validate(read_json(storage, k)) for k in storage.list(keys.chapters_prefix(book_id))]
    tokens, cost = Usage(), 0.0
    if bible_record:
        gen = bible_record["generation"]
        tokens = _add(tokens, Usage(**gen["usage"]))
        cost += gen.get("cost_usd", 0.0)
    for chapter in chapters:
        tokens, cost = _add(tokens, chapter.usage), cost + chapter.cost_usd
    return chapters, tokens, cost


def _error(error: Any) -> dict[str, Any]:
    if isinstance(error, dict):
        keep = {k: error[k] for k in ("message", "tags", "code") if k in error}
        body = error.get("body")
        if isinstance(body, dict) and "error" in body:
            keep["detail"] = body["error"]
        return keep or {"message": str(error)[:500]}
    return {"message": str(error)[:500]}


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(prompt_tokens=a.prompt_tokens + b.prompt_tokens, cached_tokens=a.cached_tokens + b.cached_tokens,
                 completion_tokens=a.completion_tokens + b.completion_tokens)


def _read(storage: Any, key: str) -> dict[str, Any] | None:
    try:
        return read_json(storage, key)
    except NotFound:
        return None
