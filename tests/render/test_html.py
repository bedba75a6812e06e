"""The single-file HTML: escaped, self-contained, script-free, right direction, working table of contents."""

from __future__ import annotations

import lxml.html
import pytest

from bookgen.render.html import book_view, initial_letter, paragraphs, render_html, text_direction
from tests.render.manuscripts import CHAPTER_TITLES, HEBREW, HOSTILE_PARAGRAPHS, SCRIPT, hostile


def parse(data: bytes):
    return lxml.html.document_fromstring(data.decode("utf-8"))


def test_reader_text_is_escaped_not_executed(rendered):
    html = rendered["html"].decode("utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Dragon</b>" not in html and "<img src=x" not in html
    doc = parse(rendered["html"])
    assert not doc.xpath("//script | //iframe | //object | //embed | //b | //i")
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]


def test_text_survives_escaping_unchanged(rendered, manuscript):
    doc = parse(rendered["html"])
    chapter = doc.get_element_by_id("ch-01")
    texts = [p.text_content() for p in chapter.findall(".//p")]
    clean = HOSTILE_PARAGRAPHS + ["bell nul vt del lonesurrogate"]  # control characters removed
    assert texts == clean
    assert doc.findtext(".//title") == manuscript.title
    assert doc.get_element_by_id("title-page").findtext(".//bdi") == manuscript.reader_name


def test_lang_and_direction(rendered, rendered_rtl):
    assert parse(rendered["html"]).get("lang") == "en"
    assert parse(rendered["html"]).get("dir") == "ltr"
    rtl = parse(rendered_rtl["html"])
    assert (rtl.get("lang"), rtl.get("dir")) == ("he", "rtl")
    assert rtl.get_element_by_id("toc-title").text == "תוכן העניינים"


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa", "rtl"),
        ("ur", "rtl"),
        ("ar-EG", "rtl"),
        ("he_IL", "rtl"),
        ("az-Arab", "rtl"),
        ("pa-Arab-PK", "rtl"),
        ("en", "ltr"),
        ("es-419", "ltr"),
        ("ku-Latn", "ltr"),
        ("", "ltr"),
    ],
)
def test_text_direction(language, direction):
    assert text_direction(language) == direction


def test_self_contained_and_readable_on_a_phone(rendered):
    doc = parse(rendered["html"])
    assert doc.xpath("//meta[@name='viewport']")
    assert doc.xpath("//meta[@http-equiv='Content-Security-Policy']")
    assert "max-width" in doc.findtext(".//style")
    assert not doc.xpath("//link[@rel='stylesheet'] | //style[@src]")
    sources = doc.xpath("//@src | //@href")
    assert all(s.startswith(("data:image/png;base64,", "#")) for s in sources), sources
    assert doc.xpath("//figure[@class='cover']/img/@src")[0].startswith("data:image/png;base64,iVBOR")


def test_table_of_contents_links_every_chapter(rendered):
    doc = parse(rendered["html"])
    links = doc.xpath("//nav[@id='toc']//a")
    assert [a.get("href") for a in links] == ["#ch-01", "#ch-02", "#ch-03"]
    for a, title in zip(links, CHAPTER_TITLES, strict=True):
        target = doc.get_element_by_id(a.get("href")[1:])
        assert target.xpath(".//span[@class='chapter-title']")[0].text == title
        assert a.xpath(".//span[@class='toc-title']")[0].text == title
    assert len(doc.xpath("//section[@class='chapter']")) == 3


def test_dedication_and_cover_only_when_given(rendered, rendered_rtl):
    doc = parse(rendered["html"])
    assert [p.text for p in doc.get_element_by_id("dedication").findall("p")] == [
        "For you & me <script>x</script>",
        "and 🐉",
    ]
    rtl = parse(rendered_rtl["html"])
    assert not rtl.xpath("//*[@id='dedication'] | //figure[@class='cover']")


def test_same_manuscript_same_bytes(manuscript, cover, rendered):
    assert render_html(manuscript, cover) == rendered["html"]
    assert render_html(hostile()) == render_html(hostile())


def test_paragraph_splitting():
    assert paragraphs("a\nb\n\n\n  c  \r\n \r\nd\u00a0e\n\n   ") == ("a b", "c", "d\u00a0e")
    assert paragraphs("") == ()


def test_view_falls_back_for_empty_titles():
    m = hostile().model_copy(
        update={"title": "", "chapters": [hostile().chapters[0].model_copy(update={"title": "  "})]}
    )
    view = book_view(m)
    assert view.title == m.book_id
    assert view.chapters[0].title == "Chapter 1"
    assert HEBREW in book_view(hostile()).reader_name and SCRIPT in book_view(hostile()).title


def test_chapters_mark_their_opening_letter_for_the_drop_cap(rendered, rendered_rtl):
    doc = parse(rendered["html"])
    for chapter in doc.xpath("//section[@class='chapter']"):
        first = chapter.findall(".//p")[0]
        assert first.get("class") == "opening"
        assert [s.text for s in first.findall("span")] == ["S"]
        assert first.text_content() == HOSTILE_PARAGRAPHS[0]
    assert not parse(rendered_rtl["html"]).xpath("//span[@class='initial']")  # no drop caps right to left


@pytest.mark.parametrize(
    ("paragraph", "initial"),
    [
        ("She said", "S"),
        ("“Hello,” she said", "“H"),
        ("'Tis", "'T"),
        ("e\u0301cole", "e\u0301"),
        ("Ἡ θάλασσα", "Ἡ"),
        ("9 lives", "9"),
        ("# not a heading", ""),
        ("🐉 dragon", ""),
        ("שלום", ""),
        ("مرحبا", ""),
        ("...", ""),
        ("", ""),
    ],
)
def test_initial_letter(paragraph, initial):
    assert initial_letter(paragraph) == initial


def test_print_rules_follow_the_page_size(manuscript):
    html = render_html(manuscript, page_size="a5").decode()
    assert "size: 419.527559pt 595.275591pt;" in html
    assert "size: 432pt 648pt;" in render_html(manuscript).decode()
