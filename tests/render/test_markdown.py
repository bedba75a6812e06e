"""Markdown: YAML front matter with exact values, and reader text that cannot become markup."""

from __future__ import annotations

import pytest
import yaml

from bookgen.render.markdown import escape_block, render_markdown
from tests.render.manuscripts import CHAPTER_TITLES, HOSTILE_PARAGRAPHS


def split(md: bytes) -> tuple[dict, str]:
    text = md.decode("utf-8")
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


def test_front_matter_round_trips(rendered, manuscript, rendered_rtl):
    meta, _ = split(rendered["md"])
    assert meta["title"] == manuscript.title
    assert meta["language"] == "en" and meta["dir"] == "ltr"
    assert meta["reader"] == manuscript.reader_name
    assert meta["genre"] == "fantasy"
    assert meta["date"] == "2026-03-04"
    assert meta["identifier"] == f"urn:bookgen:{manuscript.book_id}"
    meta, _ = split(rendered_rtl["md"])
    assert (meta["language"], meta["dir"]) == ("he", "rtl")


def test_no_raw_markup(rendered):
    text = rendered["md"].decode("utf-8")
    assert "<script" not in text.lower()
    assert "<b>" not in text and "<img" not in text and "<!--" not in text


def test_structure(rendered):
    _, body = split(rendered["md"])
    lines = body.splitlines()
    assert [line for line in lines if line.startswith("# ")] == [
        "# Maya & the &lt;b>Dragon&lt;/b> &lt;script>alert(1)&lt;/script> 🐉"
    ]
    assert len([line for line in lines if line.startswith("## ")]) == 3
    assert "## Chapter 1: The First Flight" in body


def test_renders_to_exactly_the_written_text(rendered, manuscript):
    """Through a real CommonMark renderer (raw HTML allowed): only our headings and paragraphs appear."""
    markdown_it = pytest.importorskip("markdown_it")
    import lxml.html

    _, body = split(rendered["md"])
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).render(body)
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    assert {el.tag for el in doc.iter()} <= {"div", "h1", "h2", "p", "em"}
    assert [h.text_content() for h in doc.findall("h1")] == [manuscript.title]
    assert [h.text_content() for h in doc.findall("h2")] == [
        f"Chapter {i}: {t}" for i, t in enumerate(CHAPTER_TITLES, start=1)
    ]
    paragraphs = [p.text_content() for p in doc.findall("p")]
    first = paragraphs.index(HOSTILE_PARAGRAPHS[0])
    assert paragraphs[first : first + len(HOSTILE_PARAGRAPHS)] == HOSTILE_PARAGRAPHS
    assert paragraphs[0] == f"For {manuscript.reader_name}"
    assert paragraphs[1:3] == ["For you & me <script>x</script>", "and 🐉"]


@pytest.mark.parametrize(
    "text",
    [
        "# x",
        "## x",
        "1. x",
        "12) x",
        "- x",
        "+ x",
        "* x",
        "> x",
        "= x",
        "|x|",
        "```x",
        "~~~x",
        "<div>",
        "&amp;",
        "[x](y)",
        "\\",
        "***",
        "___",
    ],
)
def test_block_escaping(text):
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).render(escape_block(text))
    assert html.startswith("<p>") and html.count("<") == 2, html  # one paragraph, nothing else


def test_byte_identical(rendered, manuscript):
    assert render_markdown(manuscript) == rendered["md"]
