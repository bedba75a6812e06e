"""Fixtures for the rendering tests: each heavy format is rendered once per session."""

from __future__ import annotations

import pytest

from bookgen.render import render
from bookgen.render.cover import cover_png
from tests.render.manuscripts import hostile


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
