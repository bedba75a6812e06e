"""The language gate: chapters in another language than the book's are caught; the book's own pass."""

from __future__ import annotations

import pytest

from bookgen.quality import language
from tests.quality.samples import SAMPLES
from tests.quality.test_regeneration import SPANISH


def _book(lang: str, text: str):
    from bookgen.models import BookRequest, Chapter, StoryBible

    request = BookRequest.model_validate({"reader": {"name": "Maya"}, "genre": "adventure", "language": lang,
                                          "chapters": 1, "words_per_chapter": 150})
    bible = StoryBible.model_validate({
        "title": "T", "premise": "P", "setting": "S", "style_guide": "G",
        "characters": [{"name": "Maya", "role": "hero", "traits": []}],
        "chapters": [{"number": 1, "title": "One", "beats": ["b"], "start_state": "s", "end_state": "e",
                      "word_budget": 150}]})
    chapter = Chapter(number=1, title="One", text=text, words=len(text.split()), model="m", provider="p",
                      usage={})
    return request, bible, [chapter]


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_every_calibration_sample_passes_in_its_own_language(lang):
    for texts in SAMPLES[lang].values():
        for text in texts:
            assert language.check(*_book(lang, text)).passed, (lang, text[:60])


def test_a_spanish_chapter_in_an_english_book_fails_naming_both_languages():
    result = language.check(*_book("en", SPANISH))
    assert not result.passed
    assert "written in Spanish, not English" in result.failing()[1][0]


def test_an_english_chapter_in_a_spanish_book_fails():
    english = SAMPLES["en"]["middle-grade"][0]
    result = language.check(*_book("es-MX", english))
    assert not result.passed and "written in English, not Spanish" in result.failing()[1][0]


@pytest.mark.parametrize("lang, text", [("he", SPANISH), ("en", "Too short to judge at all.")])
def test_unprofiled_languages_and_short_chapters_are_not_checked(lang, text):
    result = language.check(*_book(lang, text))
    assert result.passed and result.chapters[1].scores == {"checked": False}
