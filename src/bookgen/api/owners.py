"""Which API key (by name) owns a book: the `owner` in `raw/books/<id>/submission.json`, written by the API
before it accepts the book. Books made with the CLI have no submission and no owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bookgen import keys
from bookgen.errors import NotFound
from bookgen.storage import read_json


def owner_of(storage: Any, book_id: str) -> str | None:
    try:
        return read_json(storage, keys.submission(book_id)).get("owner")
    except NotFound:
        return None


def secret_resolver(services: Any, keyring: Any = None) -> Callable[[str], str | None]:
    """book id -> the secret its webhooks are signed with: the owning key's `webhook_secret`, else the setting
    BOOKGEN_WEBHOOK_SECRET (books without an owner), else None (the notifier then refuses to deliver)."""
    from bookgen.api.keys import load_keyring

    ring = keyring if keyring is not None else load_keyring(services.settings)
    fallback = services.settings.webhook_secret

    def secret_for(book_id: str) -> str | None:
        owner = owner_of(services.storage, book_id)
        key = ring.get(owner) if owner else None
        if key is not None:
            return key.webhook_secret
        return fallback.get_secret_value() if fallback is not None and owner is None else None

    return secret_for
