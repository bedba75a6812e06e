"""assemble: quality gates on the drafts, then every requested format rendered from one manuscript."""

from __future__ import annotations

import hashlib
from typing import Any

from bookgen import keys
from bookgen.errors import BookgenError, NotFound
from bookgen.models import Chapter, FileInfo, Manuscript, ManuscriptChapter, StoryBible
from bookgen.pipeline.common import load_request, require, step_run
from bookgen.services import Services
from bookgen.storage import read_json, write_json


class QualityFailed(BookgenError):
    """The book failed its quality gates after the bounded regenerations (policy `fail`)."""


def run(services: Services, payload: Any) -> dict[str, Any]:
    book_id = keys.check_book_id(require(payload, "book_id", str))
    execution_id = payload.get("execution_id")
    with step_run(services, "assemble", book_id, execution_id):
        report = assemble(services, book_id)
    return {"book_id": book_id, "files": [f["uri"] for f in report["files"]],
            "quality_passed": report["quality_passed"]}


def assemble(services: Services, book_id: str) -> dict[str, Any]:
    from bookgen.pipeline.cover import make_cover
    from bookgen.render import EXTENSIONS, media_type, render

    storage = services.storage
    request = load_request(services, book_id)
    bible_record = read_json(storage, keys.bible(book_id))
    bible = StoryBible.model_validate(bible_record["bible"])
    chapters = load_chapters(services, book_id, len(bible.chapters))
    previous = read_json(storage, keys.assembly(book_id)) if storage.exists(keys.assembly(book_id)) else {}
    report, attempts, regen_cost = improve(services, book_id, request, bible, chapters, previous)
    if not report.passed and services.settings.quality_policy == "fail":
        write_json(storage, keys.assembly(book_id), {"files": [], "quality": report.as_dict(),
                                                     "quality_passed": False, "regenerations": attempts,
                                                     "regeneration_cost_usd": regen_cost})
        raise QualityFailed(f"book {book_id!r} failed its quality gates: {sorted(report.failing_chapters)}")
    manuscript = Manuscript(
        book_id=book_id, title=bible.title, language=request.language, reader_name=request.reader.name,
        genre=request.genre, description=bible.premise, dedication=request.dedication,
        date=bible_record.get("created_at", "2026-01-01")[:10],  # fixed once: re-renders are byte-identical
        chapters=[ManuscriptChapter(number=c.number, title=c.title, text=c.text) for c in chapters],
    )
    cover, cover_cost = make_cover(services, request, manuscript)
    files = []
    page_size = request.page_size or services.settings.page_size
    for fmt, data in render(manuscript, request.formats, cover_png=cover, page_size=page_size).items():
        key = keys.book_file(book_id, f"book.{EXTENSIONS[fmt]}")
        storage.write(key, data, media_type(fmt))
        files.append(_info(storage, fmt, key, data))
    cover_key = keys.book_file(book_id, "cover.png")
    storage.write(cover_key, cover, "image/png")
    files.append(_info(storage, "cover", cover_key, cover))
    record = {"files": [f.model_dump() for f in files], "quality": report.as_dict(),
              "quality_passed": report.passed, "regenerations": attempts, "regeneration_cost_usd": regen_cost,
              "cover_cost_usd": cover_cost}
    write_json(storage, keys.assembly(book_id), record)
    return record


def improve(services: Services, book_id: str, request: Any, bible: StoryBible, chapters: list[Chapter],
            previous: dict[str, Any]) -> tuple[Any, dict[str, int], float]:
    """Run the gates; rewrite each failing chapter with its failures named, at most `quality_regenerations`
    times per chapter over the book's life (a re-run does not start counting again)."""
    from bookgen import quality
    from bookgen.pipeline.chapters import write_chapter

    limit = services.settings.quality_regenerations
    attempts: dict[str, int] = dict(previous.get("regenerations", {}))
    cost = float(previous.get("regeneration_cost_usd", 0.0))
    report = None
    while True:
        report = quality.check(request, bible, chapters, previous=report)  # keeps each round in `history`
        todo = {n: p for n, p in report.failing_chapters.items() if attempts.get(str(n), 0) < limit}
        if not todo:
            return report, attempts, cost
        for number, problems in sorted(todo.items()):
            attempts[str(number)] = attempts.get(str(number), 0) + 1
            cost += chapters[number - 1].cost_usd
            feedback = quality.feedback(problems, request)
            chapters[number - 1] = write_chapter(services, book_id, number, None, feedback=feedback,
                                                 attempt=attempts[str(number)])


def load_chapters(services: Services, book_id: str, total: int) -> list[Chapter]:
    chapters = []
    for number in range(1, total + 1):
        try:
            chapters.append(Chapter.model_validate(read_json(services.storage, keys.chapter(book_id, number))))
        except NotFound:
            raise NotFound(f"chapter {number} of {book_id!r} has not been written") from None
    return chapters


def _info(storage: Any, fmt: str, key: str, data: bytes) -> FileInfo:
    return FileInfo(format=fmt, key=key, uri=storage.uri(key), bytes=len(data),
                    sha256=hashlib.sha256(data).hexdigest())
