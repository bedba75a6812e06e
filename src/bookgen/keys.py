"""Object keys of one book (DESIGN §5). Every step derives its paths from the book id, so outputs are
deterministic and steps are idempotent."""

from __future__ import annotations

import re

from bookgen.errors import InvalidRequest

_BOOK_ID = re.compile(r"^[a-z0-9-]{1,64}$")


def check_book_id(book_id: object) -> str:
    if not isinstance(book_id, str) or not _BOOK_ID.match(book_id):
        raise InvalidRequest("book_id must match [a-z0-9-]{1,64}", field="book_id")
    return book_id


def request(book_id: str) -> str:
    return f"raw/books/{check_book_id(book_id)}/request.json"


def bible(book_id: str) -> str:
    return f"raw/books/{check_book_id(book_id)}/bible.json"


def chapter(book_id: str, number: int) -> str:
    return f"raw/books/{check_book_id(book_id)}/chapters/{number:02d}.json"


def chapters_prefix(book_id: str) -> str:
    return f"raw/books/{check_book_id(book_id)}/chapters/"


def book_file(book_id: str, name: str) -> str:
    return f"processed/books/{check_book_id(book_id)}/{name}"


def manifest(book_id: str) -> str:
    return book_file(book_id, "manifest.json")


def assembly(book_id: str) -> str:
    """assemble's report (files with hashes, quality) that publish turns into the manifest."""
    return f"raw/books/{check_book_id(book_id)}/assembly.json"


def submission(book_id: str) -> str:
    """Who asked for the book through the API, when, and whether the request was enqueued."""
    return f"raw/books/{check_book_id(book_id)}/submission.json"


def notification(book_id: str, event_id: str) -> str:
    """The notifier's record of delivering one event of the book (attempts, outcome)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,128}", event_id or ""):
        raise InvalidRequest("event_id must match [A-Za-z0-9._-]{1,128}", field="event_id")
    return f"raw/books/{check_book_id(book_id)}/notifications/{event_id}.json"


def owner_books(owner: str) -> str:
    """Prefix of an API key's index: one object per book, named so that the newest sorts first."""
    return f"raw/api/owners/{owner}/books/"
