"""EPUB 3 with ebooklib: our templates write every XHTML page, ebooklib writes the package and the NCX.

Layout inside the zip (all under EPUB/): cover.xhtml (when a cover is given), title.xhtml, dedication.xhtml
(when present), nav.xhtml (the EPUB 3 navigation document, also the visible table of contents), one
chapter-NN.xhtml per chapter, toc.ncx (EPUB 2 readers), css/book.css, images/cover.png.

ebooklib stamps the zip entries with the clock; `_normalize_zip` rewrites the archive with fixed timestamps,
permissions and order (mimetype first, stored) so the same manuscript always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING, Any

from bookgen.render.html import BookView, book_datetime, book_view, environment, stylesheet

if TYPE_CHECKING:
    from bookgen.models import Manuscript

XHTML = "application/xhtml+xml"
COVER_HREF = "images/cover.png"


def render_epub(manuscript: Manuscript, cover_png: bytes | None = None) -> bytes:
    """A valid EPUB 3 (with an NCX for older readers) as bytes, byte-identical for the same input."""
    from ebooklib import epub

    book = book_view(manuscript)
    when = book_datetime(book.date)
    package = _package(epub, book, when)

    css = epub.EpubItem(
        uid="css",
        file_name="css/book.css",
        media_type="text/css",
        content=stylesheet(paged=False).encode("utf-8"),
    )
    package.add_item(css)

    spine: list[Any] = []
    if cover_png:
        image = epub.EpubCover(uid="cover-img", file_name=COVER_HREF)
        image.media_type, image.content = "image/png", cover_png
        package.add_item(image)
        package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-img"})
        spine.append(
            _page(epub, package, "cover", "cover.xhtml", "epub/cover.xhtml", book, cover_href=COVER_HREF)
        )
    spine.append(_page(epub, package, "title", "title.xhtml", "epub/title.xhtml", book))
    if book.dedication:
        spine.append(_page(epub, package, "dedication", "dedication.xhtml", "epub/dedication.xhtml", book))
    nav = _page(epub, package, "nav", "nav.xhtml", "epub/nav.xhtml", book, has_cover=bool(cover_png))
    nav.properties = ["nav"]
    spine.append(nav)
    for ch in book.chapters:
        spine.append(_page(epub, package, ch.anchor, ch.file_name, "epub/chapter.xhtml", book, chapter=ch))

    package.add_item(epub.EpubNcx())
    package.toc = [epub.Link(ch.file_name, ch.title, f"nav-{ch.anchor}") for ch in book.chapters]
    package.spine = spine

    buffer = io.BytesIO()
    options = {
        "mtime": when,  # dcterms:modified; ebooklib would read the clock otherwise
        "epub2_guide": False,
        "epub3_landmark": False,  # our nav.xhtml carries its own landmarks
        "epub3_pages": False,
        "package_direction": True,
        "spine_direction": True,
        "raise_exceptions": True,
    }
    epub.write_epub(buffer, package, options)
    return _normalize_zip(buffer.getvalue(), when)


def _package(epub: Any, book: BookView, when: dt.datetime) -> Any:
    """The EpubBook with its metadata: identifier, title, language, creator, date, description."""
    package = epub.EpubBook()
    package.set_identifier(f"urn:bookgen:{book.book_id}")
    package.set_title(book.title)
    package.set_language(book.language)
    if book.direction == "rtl":
        package.set_direction("rtl")
    package.add_author(book.author)
    package.add_metadata("DC", "date", when.date().isoformat())
    if book.description:
        package.add_metadata("DC", "description", book.description)
    return package


def _page(
    epub: Any, package: Any, uid: str, file_name: str, template: str, book: BookView, **context: Any
) -> Any:
    """An XHTML page written by one of our templates, added to the package verbatim."""
    text = environment().get_template(template).render(book=book, **context)
    item = epub.EpubItem(uid=uid, file_name=file_name, media_type=XHTML, content=text.encode("utf-8"))
    package.add_item(item)
    return item


def _normalize_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same archive with fixed timestamps and permissions, mimetype first and stored."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        ordered = ["mimetype"] + [n for n in names if n != "mimetype"]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for name in ordered:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.create_system = 3  # unix, whatever machine renders
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                target.writestr(info, source.read(name), compresslevel=9)
    return out.getvalue()
