"""The names gate: bible characters spelled right, no recurring character the bible does not know."""

from __future__ import annotations

import pytest

from bookgen.quality import names
from tests.quality.factories import bible, chapter, replace, request, story
from tests.quality.samples import CAST, LEVEL_AGES, SAMPLES

CLEAN = story()[1].text


def _check(text: str, req=None, cast: list[str] | None = None, chapters=None):
    req = req or request()
    return names.check(req, bible(req, cast=cast), chapters or replace(story(req), 2, text))


def test_storyteller_chapters_pass():
    result = names.check(request(), bible(), story())
    assert result.passed and result.details["characters"] == ["Maya", "Pip"]
    assert all(f.scores == {"misspelled": {}, "unknown_names": {}} for f in result.chapters.values())


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_no_sample_prose_is_flagged_against_its_cast(lang):
    for level, texts in SAMPLES[lang].items():
        for text, cast in zip(texts, CAST[lang][level]):
            req = request(reader={"name": cast[0], "age": LEVEL_AGES[level]}, language=lang, chapters=1)
            result = names.check(req, bible(req, cast=cast), [chapter(1, text)])
            assert result.passed, (text[:60], result.chapters[1].problems)


@pytest.mark.parametrize("text, wrong", [
    ("The wind pushed Mayya up the hill.", "Mayya"),
    ("Then Mya smiled at the stars.", "Mya"),
    ("Nobody believed Maay at first.", "Maay"),  # swapped letters
    ('"Look!" shouted Mayaa.', "Mayaa"),
])
def test_a_misspelled_name_is_caught(text, wrong):
    result = _check(CLEAN + " " + text)
    assert not result.passed and result.failing() == {2: [f'names: "{wrong}" looks like a misspelling of "Maya"']}
    assert result.chapters[2].scores["misspelled"] == {wrong: "Maya"}


def test_a_name_that_differs_only_in_accents_is_a_misspelling():
    req = request(reader={"name": "Sofía"}, language="es")
    result = _check("Sofía corrió. Luego Sofia miró el mar.", req)
    assert result.failing()[2] == ['names: "Sofia" looks like a misspelling of "Sofía"']


def test_a_recurring_character_the_bible_does_not_know_is_caught():
    text = CLEAN + ' "Come on," said Grizelda. Maya followed Grizelda. Grizelda laughed.'
    result = _check(text)
    assert not result.passed
    assert result.failing() == {2: ['names: "Grizelda" (3 times) is not a character of the story bible (Maya, Pip)']}


def test_an_unknown_name_in_two_chapters_counts_over_the_book():
    chapters = story()
    chapters = replace(chapters, 1, chapters[0].text + " Maya waved to Zorblat. Zorblat waved back.")
    chapters = replace(chapters, 3, chapters[2].text + " Then Zorblat came back, and Maya hugged Zorblat.")
    result = names.check(request(), bible(), chapters)
    assert sorted(result.failing()) == [1, 3]


@pytest.mark.parametrize("text", [
    "Maya met Grizelda. Grizelda smiled.",  # twice: a passer-by
    "They flew to London. In London it rained. London was grey.",  # a place
    "Grandma said hello. Maya hugged Grandma. Grandma laughed.",  # kin word
    "On Monday they flew. On Monday they landed. Monday was fun.",  # a day
    "Maya found a tiny egg. Pip found the egg too. Pip, Maya and the egg flew home.",  # the bible's cast
    "Zed ran. Zed hid. Zed jumped.",  # only ever at a sentence start: not known to be a name
])
def test_look_alikes_pass(text):
    assert _check(CLEAN + " " + text).passed


def test_a_name_next_to_a_speech_verb_is_a_name_even_at_sentence_starts():
    assert _check(CLEAN + " Zed ran. Zed hid. Zed laughed.").chapters[2].scores["unknown_names"] == {"Zed": 3}


def test_names_from_the_request_are_known():
    req = request(reader={"interests": ["her cat Pixel", "rockets"]}, premise="Maya and Captain Orion explore.")
    text = CLEAN + " Maya fed Pixel. Pixel purred at Orion. Then Orion and Pixel slept."
    assert _check(text, req).passed


def test_short_names_are_not_checked_for_misspellings():
    assert _check(CLEAN + " Maya and Pop went home.", cast=["Maya", "Pip"]).passed


def test_german_nouns_are_not_names_but_speech_tags_are():
    req = request(language="de", reader={"name": "Maya"}, chapters=1)
    text = SAMPLES["de"]["early-reader"][0]
    assert names.check(req, bible(req, cast=["Maya", "Bo"]), [chapter(1, text)]).passed
    text += ' "Hallo", sagte Grete. "Komm", rief Grete. Grete lachte, sagte Grete.'
    result = names.check(req, bible(req, cast=["Maya", "Bo"]), [chapter(1, text)])
    assert result.chapters[1].scores["unknown_names"] == {"Grete": 3}
