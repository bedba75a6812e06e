"""PDF with WeasyPrint, from the very HTML and CSS of the HTML file (print rules: 6 x 9 in pages, title page,
table of contents with page numbers, each chapter on a new page).

Determinism, three sources of drift pinned:
- document dates: WeasyPrint reads them from `<meta name="dcterms.created|modified">` (the manuscript's date);
- file identifier: derived from the book id (WeasyPrint hashes the content for the second half);
- embedded fonts: without the HarfBuzz subset library WeasyPrint subsets fonts with fontTools, which stamps
  each font's `head.modified` with the clock unless SOURCE_DATE_EPOCH is set. We set it to the book's date
  for the duration of the render, under a lock (the variable is process-wide).
No PDF/A variant is requested (those stamp random XMP ids).
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bookgen.render.html import book_datetime, render_html

if TYPE_CHECKING:
    from bookgen.models import Manuscript

_RENDER_LOCK = threading.Lock()


@contextlib.contextmanager
def pinned_source_date(epoch: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to `epoch` while the block runs; one render at a time in this process."""
    with _RENDER_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(manuscript: Manuscript, cover_png: bytes | None = None) -> bytes:
    """A 6 x 9 in PDF as bytes, byte-identical for the same manuscript and cover."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(manuscript, cover_png).decode("utf-8")
    # The document is self-contained: only data: URIs (the cover) may be fetched, never a file or the network.
    fetcher = URLFetcher(allowed_protocols=("data",))
    identifier = hashlib.sha256(f"urn:bookgen:{manuscript.book_id}".encode()).hexdigest()[:32].encode()
    epoch = calendar.timegm(book_datetime(manuscript.date).timetuple())
    with pinned_source_date(epoch):
        document = HTML(string=html, base_url=None, url_fetcher=fetcher)
        pdf = document.write_pdf(pdf_identifier=identifier)
    if not isinstance(pdf, bytes):  # write_pdf returns bytes when no target is given
        raise TypeError("WeasyPrint returned no bytes")
    return pdf
