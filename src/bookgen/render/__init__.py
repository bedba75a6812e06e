"""Rendering: one canonical manuscript → templates → every format.

    render(manuscript, ["epub", "pdf", "html", "md"], cover_png=png, page_size="a5") -> {"epub": b"...", ...}
    media_type("epub") -> "application/epub+zip";  EXTENSIONS["md"] -> "md"
    bookgen.render.cover.cover_png(manuscript) -> PNG bytes (drawn locally)

Every format reads `bookgen.render.html.book_view(manuscript)`. Rendering is deterministic: the same
manuscript and cover give byte-identical files (no clock reads, fixed archive timestamps and PDF dates).
The format modules import their heavy libraries (WeasyPrint, ebooklib, Pillow) only when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bookgen.errors import InvalidRequest
from bookgen.render.pages import DEFAULT_PAGE_SIZE, PAGE_SIZES
from bookgen.render.pages import page_size as lookup_page_size

if TYPE_CHECKING:
    from bookgen.models import Manuscript

#: The file extension of each format (and of the cover image, which `cover.cover_png` draws).
EXTENSIONS: dict[str, str] = {"epub": "epub", "pdf": "pdf", "html": "html", "md": "md", "cover": "png"}

MEDIA_TYPES: dict[str, str] = {
    "epub": "application/epub+zip",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "cover": "image/png",
}

# format -> (module, function(manuscript, cover_png) -> bytes); imported on first use.
_RENDERERS: dict[str, tuple[str, str]] = {
    "epub": ("bookgen.render.epub", "render_epub"),
    "pdf": ("bookgen.render.pdf", "render_pdf"),
    "html": ("bookgen.render.html", "render_html"),
    "md": ("bookgen.render.markdown", "render_markdown"),
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def media_type(fmt: str) -> str:
    """The media type to store a format's file with ("cover" is the PNG cover)."""
    try:
        return MEDIA_TYPES[fmt]
    except KeyError:
        raise InvalidRequest(
            f"unknown format {fmt!r}; expected one of {sorted(MEDIA_TYPES)}", field="formats"
        ) from None


def renderer(fmt: str) -> Callable[..., bytes]:
    """The function that renders one format."""
    try:
        module_name, function = _RENDERERS[fmt]
    except KeyError:
        raise InvalidRequest(
            f"unknown format {fmt!r}; expected one of {list(FORMATS)}", field="formats"
        ) from None
    return getattr(importlib.import_module(module_name), function)  # type: ignore[no-any-return]


def render(
    manuscript: Manuscript,
    formats: Iterable[str],
    cover_png: bytes | None = None,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
) -> dict[str, bytes]:
    """Every requested format as bytes, keyed by format, in the order asked (duplicates once).

    `page_size` is the PDF's trim size (`PAGE_SIZES`: "trade-6x9", "square-8.5", "a5"); the HTML file's print
    rules follow it too. Unknown formats (InvalidRequest) and page sizes (ValueError naming it) are refused
    before anything is rendered. Markdown carries no cover.
    """
    wanted = list(dict.fromkeys(formats))
    functions = {fmt: renderer(fmt) for fmt in wanted}
    lookup_page_size(page_size)
    out: dict[str, bytes] = {}
    for fmt, function in functions.items():
        if fmt == "md":
            out[fmt] = function(manuscript)
        elif fmt in ("pdf", "html"):
            out[fmt] = function(manuscript, cover_png, page_size=page_size)
        else:
            out[fmt] = function(manuscript, cover_png)
    return out


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "EXTENSIONS",
    "FORMATS",
    "MEDIA_TYPES",
    "PAGE_SIZES",
    "media_type",
    "render",
    "renderer",
]
