"""The personalization gates: the reader's name in most chapters, every interest used somewhere."""

from __future__ import annotations

import pytest

from bookgen.quality import personalization
from tests.quality.factories import bible, chapter, replace, request, story


def _without_name(text: str) -> str:
    return text.replace("Maya", "the girl")


def test_storyteller_chapters_name_the_reader_and_use_every_interest():
    req, b, chapters = request(), bible(), story()
    name = personalization.check_name(req, b, chapters)
    interests = personalization.check_interests(req, b, chapters)
    assert name.passed and name.details["chapters_named"] == 3
    assert interests.passed and interests.details["unused"] == []


def test_a_chapter_that_never_names_the_reader_fails_in_a_three_chapter_book():
    chapters = story()
    chapters = replace(chapters, 2, _without_name(chapters[1].text))
    result = personalization.check_name(request(), bible(), chapters)
    assert not result.passed
    assert result.failing() == {2: ["personalization_name: the reader, Maya, is never named in this chapter"]}


def test_most_chapters_is_three_quarters():
    req = request(chapters=8)
    chapters = story(req)
    chapters = replace(chapters, 3, _without_name(chapters[2].text))
    chapters = replace(chapters, 5, _without_name(chapters[4].text))
    result = personalization.check_name(req, bible(req), chapters)
    assert result.passed and result.details["required"] == 6  # 6 of 8 named: passes, the misses are noted
    assert not result.chapters[3].passed and result.failing() == {}
    chapters = replace(chapters, 7, _without_name(chapters[6].text))
    assert not personalization.check_name(req, bible(req), chapters).passed


@pytest.mark.parametrize("text", ["Maya's kite flew.", "MAYA ran.", "Said Maya."])
def test_name_matching_tolerates_possessives_and_case(text):
    result = personalization.check_name(request(chapters=1), bible(request(chapters=1)), [chapter(1, text)])
    assert result.passed


def test_a_lowercase_word_is_not_the_name():
    req = request(reader={"name": "Rose"}, chapters=1)
    assert not personalization.check_name(req, bible(req), [chapter(1, "A rose grew by the door.")]).passed


@pytest.mark.parametrize("interest, text", [
    ("dinosaurs", "Maya found a dinosaur."),
    ("Dinosaurs", "A DINOSAUR roared."),
    ("butterflies", "One butterfly landed."),
    ("los trenes", "El tren llegó tarde."),
    ("lápices", "Tenía un lápiz rojo."),
    ("her cat Pixel", "Pixel purred."),
    ("fútbol", "Jugaban al futbol."),
])
def test_interest_matching_tolerates_plurals_case_and_accents(interest, text):
    req = request(reader={"interests": [interest]}, chapters=1)
    assert personalization.check_interests(req, bible(req), [chapter(1, text)]).passed


def test_an_unused_interest_fails_and_goes_to_the_chapter_planned_around_it():
    req = request(reader={"interests": ["dinosaurs", "rockets", "volcanoes", "her cat Pixel"]})
    b = bible(req)  # chapter 3 is "Maya and the volcanoes"; no chapter is planned around Pixel
    result = personalization.check_interests(req, b, story(request()))
    assert not result.passed and result.details["unused"] == ["volcanoes", "her cat Pixel"]
    assert result.failing() == {
        3: ["personalization_interests: the book never mentions the reader's interest 'volcanoes'"],
        2: ["personalization_interests: the book never mentions the reader's interest 'her cat Pixel'"]}


def test_function_words_of_an_interest_do_not_count_as_using_it():
    req = request(reader={"interests": ["her cat Pixel"]}, chapters=1)
    assert not personalization.check_interests(req, bible(req), [chapter(1, "Her dog ran to her.")]).passed
