"""Turning untrusted JSON into a `BookRequest`, with errors that name the field."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from bookgen.errors import InvalidRequest
from bookgen.models import BookRequest


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(request)"


def parse_request(data: Any) -> BookRequest:
    """Validate a decoded JSON value; raises InvalidRequest naming every bad field."""
    if not isinstance(data, dict):
        raise InvalidRequest("the request must be a JSON object", field="(request)")
    try:
        return BookRequest.model_validate(data)
    except ValidationError as e:
        errors = [{"field": field_path(err["loc"]), "message": err["msg"]} for err in e.errors()]
        text = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
        raise InvalidRequest(f"invalid request: {text}", field=errors[0]["field"], errors=errors) from None


def parse_request_text(text: str, source: str = "request") -> BookRequest:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InvalidRequest(f"{source} is not valid JSON: {e}", field="(json)") from None
    return parse_request(data)


def read_request_file(path: str) -> tuple[str, BookRequest]:
    """The text of a request file and the validated request; InvalidRequest names the file and the field."""
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidRequest(f"{path}: {e.strerror}", field="(file)") from None
    try:
        return text, parse_request_text(text, path)
    except InvalidRequest as e:
        raise InvalidRequest(f"{path}: {e}", field=e.field, errors=e.errors) from None
