"""Fixtures for the rendering tests: each heavy format is rendered once per session."""

from __future__ import annotations

import pytest

from bookgen.render import PAGE_SIZES, render
from bookgen.render.cover import cover_png
from bookgen.render.pdf import render_pdf
from tests.render.manuscripts import hostile, long_book


@pytest.fixture(scope="session")
def manuscript():
    return hostile(language="en", dedication="For you & me <script>x</script>\n\nand 🐉")


@pytest.fixture(scope="session")
def rtl_manuscript():
    return hostile(language="he", dedication=None, book_id="maya-he-0123456789ab")


@pytest.fixture(scope="session")
def cover(manuscript) -> bytes:
    return cover_png(manuscript)


@pytest.fixture(scope="session")
def rendered(manuscript, cover) -> dict[str, bytes]:
    """Every format of the hostile English manuscript, with a cover."""
    return render(manuscript, ["html", "epub", "pdf", "md"], cover_png=cover)


@pytest.fixture(scope="session")
def rendered_rtl(rtl_manuscript) -> dict[str, bytes]:
    """Every format of the hostile Hebrew manuscript, without cover or dedication."""
    return render(rtl_manuscript, ["html", "epub", "pdf", "md"])


@pytest.fixture(scope="session")
def pdfs(manuscript, cover, rendered) -> dict[str, bytes]:
    """The hostile English manuscript's PDF in every page size (the default one is `rendered["pdf"]`)."""
    out = {"trade-6x9": rendered["pdf"]}
    for name in PAGE_SIZES:
        if name not in out:
            out[name] = render(manuscript, ["pdf"], cover_png=cover, page_size=name)["pdf"]
    return out


@pytest.fixture(scope="session")
def long_manuscript():
    """Three chapters of about five pages each: body pages with running headers, page breaks inside text."""
    return long_book(chapters=3, words=4500)


@pytest.fixture(scope="session")
def long_pdfs(long_manuscript) -> dict[str, bytes]:
    return {name: render_pdf(long_manuscript, page_size=name) for name in PAGE_SIZES}
