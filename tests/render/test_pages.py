"""Page sizes and the paged-media stylesheet written for each."""

from __future__ import annotations

import pytest

from bookgen.render.html import stylesheet
from bookgen.render.pages import DEFAULT_PAGE_SIZE, PAGE_SIZES, page_size, print_css


def test_default_and_lookup():
    assert DEFAULT_PAGE_SIZE == "trade-6x9"
    assert (page_size("trade-6x9").width, page_size("trade-6x9").height) == (432, 648)
    assert (page_size("square-8.5").width, page_size("square-8.5").height) == (612, 612)
    assert page_size("a5").size_css == "419.527559pt 595.275591pt"
    with pytest.raises(ValueError, match="'legal'.*a5.*square-8.5.*trade-6x9"):
        page_size("legal")
    with pytest.raises(ValueError, match="None"):
        page_size(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(PAGE_SIZES))
def test_print_css_per_size(name):
    css = print_css(name, "ltr")
    size = page_size(name)
    assert f"size: {size.size_css};" in css
    assert "target-counter(attr(href), page)" in css and "string-set: chapter-title" in css
    assert "hyphens: auto" in css and "widows: 2" in css and "orphans: 2" in css
    assert "break-before: recto" in css and "bookmark-level: 1" in css
    assert "{{" not in css and "{%" not in css and "</" not in css


def test_running_headers_follow_the_direction():
    ltr, rtl = print_css("a5", "ltr"), print_css("a5", "rtl")
    assert ltr.index("@page :right") < ltr.index("string(chapter-title") < ltr.index("@page :left")
    assert rtl.index("@page :left") < rtl.index("string(chapter-title") < rtl.index("@page :right")


@pytest.mark.parametrize("name", sorted(PAGE_SIZES))
def test_drop_cap_spans_two_lines_and_indents_only_them(name):
    size = page_size(name)
    cap = size.drop_cap()
    font_size = float(cap["font_size"].removesuffix("em"))
    box = float(cap["line_height"]) + float(cap["margin_top"].removesuffix("em"))
    assert 2.5 < font_size < 3.5
    assert 1 * size.line_height < box * font_size < 2 * size.line_height  # ems of body text


def test_epub_css_has_no_paged_rules_and_html_css_has_the_chosen_size():
    assert "@page" not in stylesheet(paged=False)
    assert "size: 612pt 612pt;" in stylesheet(True, "square-8.5", "ltr")
