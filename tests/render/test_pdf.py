"""The PDF: 6 x 9 in, title page, table of contents, chapters on new pages, pinned metadata."""

from __future__ import annotations

import io

import pytest

from bookgen.render.pdf import render_pdf
from tests.render.manuscripts import TITLE_MARKERS

pypdf = pytest.importorskip("pypdf")


def pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # pypdf decodes a font whose ToUnicode map holds a surrogate pair (the 🐉) as UTF-16, leaving NULs
    # between the letters of every string in that font; the map in the PDF itself is correct.
    return [(page.extract_text() or "").replace("\x00", "") for page in reader.pages]


def test_pages_size_and_metadata(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered["pdf"]))
    assert len(reader.pages) > 3
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (432.0, 648.0)  # 6 x 9 in at 72 pt/in
    meta = reader.metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260304"
    assert meta["/Title"].startswith("Maya & the <b>Dragon</b>")
    assert reader.trailer["/ID"][0]  # a file identifier, derived from the book id
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_title_page_toc_and_one_chapter_per_page(rendered):
    texts = pages_text(rendered["pdf"])
    # page 0 is the cover image, then title page, dedication, contents
    assert texts[0].strip() == ""
    assert "Maya & the <b>Dragon</b>" in texts[1]
    toc = next(i for i, t in enumerate(texts) if "Contents" in t)
    assert all(marker in texts[toc] for marker in TITLE_MARKERS)
    starts = [next(i for i in range(toc + 1, len(texts)) if marker in texts[i]) for marker in TITLE_MARKERS]
    assert starts == sorted(set(starts)) and starts[0] > toc
    for n, start in enumerate(starts, start=1):
        assert f"Chapter {n}" in texts[start]
        assert texts[start].lstrip().startswith(f"Chapter {n}")  # the chapter opens its page


def test_rtl_text_is_extractable(rendered_rtl):
    texts = pages_text(rendered_rtl["pdf"])
    assert len(texts) > 3
    assert all(any(marker in t for t in texts) for marker in TITLE_MARKERS)
    assert pypdf.PdfReader(io.BytesIO(rendered_rtl["pdf"])).trailer["/Root"]["/Lang"] == "he"


def test_byte_identical(rendered, manuscript, cover):
    assert render_pdf(manuscript, cover) == rendered["pdf"]
