"""The cover PNG: right size, deterministic, palette from the genre, works without system fonts."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bookgen.render import cover as cover_module
from bookgen.render.cover import FALLBACK, PALETTES, cover_png, palette_for
from tests.render.manuscripts import hostile


def test_png_size_and_determinism(cover, manuscript):
    image = Image.open(io.BytesIO(cover))
    assert (image.format, image.size) == ("PNG", (1600, 2400))
    assert cover_png(manuscript) == cover


def test_palette_follows_genre():
    assert palette_for("Fantasy") == PALETTES["fantasy"]
    assert palette_for("space adventure") == PALETTES["space"]
    assert palette_for("underwater opera") in FALLBACK
    assert palette_for("underwater opera") == palette_for("underwater opera")
    a = cover_png(hostile().model_copy(update={"genre": "horror"}))
    b = cover_png(hostile().model_copy(update={"genre": "romance"}))
    top = Image.open(io.BytesIO(a)).getpixel((5, 5)), Image.open(io.BytesIO(b)).getpixel((5, 5))
    assert top[0] != top[1]


def test_rtl_and_long_titles_render():
    long_title = hostile(language="ar").model_copy(update={"title": "مرحبا " + "x" * 300})
    assert Image.open(io.BytesIO(cover_png(long_title))).size == (1600, 2400)


def test_without_system_fonts(monkeypatch):
    monkeypatch.setattr(cover_module, "FONT_DIRS", ())
    cover_module._font.cache_clear()
    try:
        data = cover_png(hostile())
    finally:
        cover_module._font.cache_clear()
    assert Image.open(io.BytesIO(data)).size == (1600, 2400)


@pytest.mark.parametrize("genre", ["", "  ", "🐉"])
def test_odd_genres(genre):
    assert palette_for(genre) in FALLBACK
