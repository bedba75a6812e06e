"""The PDF, read back with pypdf, for every page size: trim size, pages, text, fonts, outline, TOC numbers,
running headers and folios, chapter openers with drop caps, hyphenation, determinism, missing fonts."""

from __future__ import annotations

import logging
import re

import pytest

from bookgen.render import PAGE_SIZES, render
from bookgen.render import fonts as fonts_module
from bookgen.render.pages import page_size
from bookgen.render.pdf import render_pdf
from tests.render.manuscripts import CYRILLIC, GREEK, TITLE_MARKERS, hostile, multilingual

pypdf = pytest.importorskip("pypdf")
from tests.render import pdfinspect as inspect  # noqa: E402  (needs pypdf)

SIZES = sorted(PAGE_SIZES)
EXPECTED_POINTS = {"trade-6x9": (432.0, 648.0), "square-8.5": (612.0, 612.0), "a5": (419.528, 595.276)}


def test_page_sizes_are_the_three_offered():
    assert set(PAGE_SIZES) == set(EXPECTED_POINTS)


@pytest.mark.parametrize("name", SIZES)
def test_every_page_has_the_trim_size(name, pdfs, long_pdfs):
    width, height = EXPECTED_POINTS[name]
    for data in (pdfs[name], long_pdfs[name]):
        for page in inspect.reader(data).pages:
            box = page.mediabox
            assert float(box.width) == pytest.approx(width, abs=0.01)
            assert float(box.height) == pytest.approx(height, abs=0.01)


@pytest.mark.parametrize("name", SIZES)
def test_page_count_and_structure(name, pdfs):
    texts = inspect.pages_text(pdfs[name])
    openers = [page for _, page in inspect.outline(pdfs[name])]
    # cover, title page, dedication, contents; then every chapter opens on a recto
    assert 7 <= len(texts) <= 16
    assert texts[0].strip() == ""  # the cover is an image
    assert "Maya & the <b>Dragon</b>" in texts[1]
    assert "For you & me <script>x</script>" in texts[2]
    assert "Contents" in texts[3]
    assert openers[0] == 4 and openers == sorted(set(openers)) and openers[-1] < len(texts)
    assert all(page % 2 == 0 for page in openers)  # page index 4 is page 5: a right-hand page


@pytest.mark.parametrize("name", SIZES)
def test_chapter_titles_are_extractable_on_their_openers(name, pdfs):
    texts = inspect.pages_text(pdfs[name])
    for n, (marker, (_, page)) in enumerate(zip(TITLE_MARKERS, inspect.outline(pdfs[name])), start=1):
        assert marker in texts[page]
        assert f"Chapter {n}" in texts[page]


@pytest.mark.parametrize("name", SIZES)
def test_every_font_is_embedded(name, pdfs):
    found = inspect.fonts(pdfs[name])
    assert any("DejaVu" in font for font in found)
    for font, files in found.items():
        assert files["/FontFile"] or files["/FontFile2"] or files["/FontFile3"], f"{font} is not embedded"


@pytest.mark.parametrize("name", SIZES)
def test_one_bookmark_per_chapter(name, pdfs, long_pdfs, manuscript):
    entries = inspect.outline(pdfs[name])
    assert len(entries) == len(manuscript.chapters)
    for (title, _), chapter in zip(entries, manuscript.chapters, strict=True):
        assert title == f"Chapter {chapter.number} {chapter.title}"
    assert [t for t, _ in inspect.outline(long_pdfs[name])] == [
        f"Chapter {n} Chapter title {n}" for n in (1, 2, 3)
    ]


@pytest.mark.parametrize("name", SIZES)
def test_toc_page_numbers_are_the_openers_pages(name, pdfs, long_pdfs):
    for data in (pdfs[name], long_pdfs[name]):
        openers = [page for _, page in inspect.outline(data)]
        numbers = inspect.toc_numbers(inspect.pages_text(data), openers[0])
        assert numbers == [page + 1 for page in openers]


@pytest.mark.parametrize("name", SIZES)
def test_running_headers_and_folios(name, long_pdfs, long_manuscript):
    data, size = long_pdfs[name], page_size(name)
    pages = inspect.reader(data).pages
    openers = [page for _, page in inspect.outline(data)]
    body_pages = 0
    for i, page in enumerate(pages):
        header = inspect.margin_text(page, size, "top")
        folio = inspect.margin_text(page, size, "bottom")
        if i < openers[0]:  # front matter: neither
            assert (header, folio) == ("", ""), i
        elif not (page.extract_text() or "").strip():  # the blank verso before an opener
            assert (header, folio) == ("", ""), i
        elif i in openers:  # an opening page: folio, no running header
            assert (header, folio) == ("", str(i + 1)), i
        else:
            chapter = long_manuscript.chapters[max(n for n, o in enumerate(openers) if o <= i)]
            expected = chapter.title if i % 2 == 0 else long_manuscript.title  # rectos: chapter; versos: book
            assert (header, folio) == (inspect.squash(expected), str(i + 1)), i
            body_pages += 1
    assert body_pages >= 6


def test_running_headers_of_hostile_titles(pdfs, manuscript):
    """The verso after chapter 1's opener carries the book title, escaped text and emoji included."""
    data, size = pdfs["trade-6x9"], page_size("trade-6x9")
    opener = inspect.outline(data)[0][1]
    header = inspect.margin_text(inspect.reader(data).pages[opener + 1], size, "top")
    assert header and inspect.squash(manuscript.title).startswith(header.rstrip("…"))


@pytest.mark.parametrize("name", SIZES)
def test_chapters_open_with_a_drop_cap(name, long_pdfs):
    data = long_pdfs[name]
    body = page_size(name).font_size
    for _, page_index in inspect.outline(data):
        runs = inspect.runs(inspect.reader(data).pages[page_index])
        initial = [r for r in runs if r.text.strip() == "T" and r.size > 2.5 * body]
        assert len(initial) == 1, [(r.text, r.size) for r in runs[:6]]


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_hyphenation_follows_the_book_language(language):
    texts = inspect.pages_text(render_pdf(multilingual(language), page_size="a5"))
    lines = [line.rstrip() for text in texts for line in text.splitlines()]
    assert sum(line.endswith(("-", "\u2010")) for line in lines) >= 3, language


def test_pyphen_has_dictionaries_for_the_common_languages():
    pyphen = pytest.importorskip("pyphen")
    for language in ["en", "es", "fr", "de", "it", "pt", "nl", "pl", "ru", "uk", "el", "sv"]:
        assert pyphen.language_fallback(language), language


def test_greek_cyrillic_and_emoji_are_drawn_with_the_book_fonts():
    data = render_pdf(multilingual("en"))
    texts = [re.sub(r"\s+", "", t) for t in inspect.pages_text(data)]  # justified lines: spacing varies
    assert any(re.sub(r"\s+", "", GREEK + CYRILLIC) in t.replace("—", "") for t in texts)
    runs = [r for page in inspect.reader(data).pages for r in inspect.runs(page)]
    assert {r.font.split("+")[-1] for r in runs if "θ" in r.text or "М" in r.text} <= {"DejaVu-Serif"}
    if "Noto Color Emoji" not in fonts_module.installed_families():
        pytest.skip("fonts-noto-color-emoji is not installed")
    assert any("Emoji" in r.font for r in runs if "🐉" in r.text)


def test_rtl_book(rendered_rtl):
    data = rendered_rtl["pdf"]
    texts = inspect.pages_text(data)
    assert all(any(marker in t for t in texts) for marker in TITLE_MARKERS)
    assert inspect.reader(data).trailer["/Root"]["/Lang"] == "he"
    openers = [page for _, page in inspect.outline(data)]
    assert len(openers) == 3 and all(page % 2 == 0 for page in openers)  # rectos: the left pages
    assert inspect.toc_numbers(texts, openers[0]) == [page + 1 for page in openers]


def test_metadata(rendered):
    pdf = inspect.reader(rendered["pdf"])
    meta = pdf.metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260304"
    assert meta["/Title"].startswith("Maya & the <b>Dragon</b>")
    assert pdf.trailer["/ID"][0]  # a file identifier, derived from the book id
    assert pdf.trailer["/Root"]["/Lang"] == "en"


@pytest.mark.parametrize("name", SIZES)
def test_byte_identical(name, pdfs, manuscript, cover):
    assert render_pdf(manuscript, cover, page_size=name) == pdfs[name]


def test_page_sizes_differ(pdfs):
    assert len(set(pdfs.values())) == len(pdfs)


@pytest.mark.parametrize("bad", ["letter", "", "A5", "trade"])
def test_unknown_page_size_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=repr(bad)):
        render(hostile(), ["pdf"], page_size=bad)
    with pytest.raises(ValueError, match=repr(bad)):
        render_pdf(hostile(), page_size=bad)
    with pytest.raises(ValueError, match="trade-6x9"):  # the message lists the known sizes
        render(hostile(), ["md"], page_size=bad)


def test_missing_fonts_fall_back_with_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(fonts_module, "installed_families", lambda: frozenset({"Some Other Font"}))
    fonts_module.check_fonts.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="bookgen.render.fonts"):
            first = render_pdf(multilingual("en"))
            render_pdf(multilingual("en"))
    finally:
        fonts_module.check_fonts.cache_clear()
    warnings = [r for r in caplog.records if r.name == "bookgen.render.fonts"]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert (
        "DejaVu Serif" in message and "Noto Color Emoji" in message and "install-system-packages" in message
    )
    assert inspect.pages_text(first)[-1].strip()


def test_installed_fonts_are_found():
    if not fonts_module.installed_families():
        pytest.skip("fontconfig lists no fonts here")
    assert "DejaVu Serif" in fonts_module.installed_families()
    assert fonts_module.missing_fonts(frozenset({"dejavu serif", "DejaVu Sans"})) == ("Noto Color Emoji",)
