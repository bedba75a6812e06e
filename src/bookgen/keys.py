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
