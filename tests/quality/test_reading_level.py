"""The reading-level gate: Flesch reading ease in the book's language, inside the band of the reader's level.

The calibration tests keep the band table in `bookgen.quality.reading_level` honest: they score the
hand-written samples the table was chosen from."""

from __future__ import annotations

import threading

import pytest

from bookgen.quality import reading_level
from bookgen.quality.reading_level import BANDS, flesch
from tests.quality.factories import bible, chapter, replace, request, story
from tests.quality.samples import LEVEL_AGES, SAMPLES

CASES = [(lang, level, i, text) for lang, levels in SAMPLES.items() for level, texts in levels.items()
         for i, text in enumerate(texts)]
HARD = ("The epistemological ramifications of paleontological classification necessitate considerable "
        "methodological sophistication, particularly when contemporary taxonomic frameworks conflict with "
        "established evolutionary interpretations. Maya, contemplating dinosaurs and rockets, recognized that "
        "interdisciplinary collaboration, notwithstanding institutional resistance, constituted an indispensable "
        "prerequisite for substantive theoretical advancement. ") * 3


def _inside(score: float, band: tuple[float, float | None]) -> bool:
    low, high = band
    return score >= low and (high is None or score <= high)


@pytest.mark.parametrize("lang, level, i, text", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_every_calibration_sample_is_inside_its_levels_band(lang, level, i, text):
    assert _inside(flesch(text, lang)["flesch"], BANDS[lang][level])


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_the_bands_separate_the_ends_of_the_scale(lang):
    grown_up = SAMPLES[lang]["young-adult"] + SAMPLES[lang]["adult"]
    assert not any(_inside(flesch(t, lang)["flesch"], BANDS[lang]["early-reader"]) for t in grown_up)
    assert not any(_inside(flesch(t, lang)["flesch"], BANDS[lang]["adult"]) for t in SAMPLES[lang]["early-reader"])


def test_storyteller_chapters_pass_for_an_early_reader_with_scores():
    result = reading_level.check(request(), bible(), story())
    assert result.passed and result.details["scored"] and result.details["level"] == "early-reader"
    assert all(85 <= f.scores["flesch"] <= 95 for f in result.chapters.values())


def test_dense_prose_is_too_hard_for_an_early_reader():
    result = reading_level.check(request(), bible(), replace(story(), 2, HARD))
    assert not result.passed and list(result.failing()) == [2]
    (problem,) = result.failing()[2]
    assert problem.startswith("reading_level: reading ease ") and "too hard for an early reader" in problem
    assert result.chapters[2].scores["flesch"] < 80


def test_an_early_reader_text_is_too_simple_for_an_adult():
    req = request(reader={"age": 40}, chapters=1)
    result = reading_level.check(req, bible(req), [chapter(1, SAMPLES["en"]["early-reader"][0])])
    assert not result.passed and "too simple for an adult reader" in result.failing()[1][0]


def test_the_level_comes_from_the_request():
    req = request(reader={"age": 40, "reading_level": "middle-grade"}, chapters=1)
    result = reading_level.check(req, bible(req), [chapter(1, SAMPLES["en"]["middle-grade"][0])])
    assert result.passed and result.details["level"] == "middle-grade" and result.details["band"] == [50, None]


def test_spanish_is_scored_with_the_spanish_formula():
    req = request(language="es", reader={"age": 6}, chapters=1)
    text = SAMPLES["es"]["early-reader"][0]
    result = reading_level.check(req, bible(req), [chapter(1, text)])
    assert result.passed and result.details["language"] == "es"
    assert result.chapters[1].scores["flesch"] != flesch(text, "en")["flesch"]


@pytest.mark.parametrize("tag", ["ja", "pt-BR", "he"])
def test_a_language_without_a_band_is_not_scored_and_passes(tag):
    req = request(language=tag)
    result = reading_level.check(req, bible(req), replace(story(), 2, HARD))
    assert result.passed and result.details["scored"] is False and "not scored" in result.details["reason"]
    assert result.chapters[2].scores == {"flesch": None, "status": "not scored"}


def test_a_very_short_chapter_is_not_scored():
    result = reading_level.check(request(), bible(), replace(story(), 2, "Interdisciplinary epistemology."))
    assert result.passed and "not scored" in result.chapters[2].scores["status"]


def test_scoring_uses_no_textstat_global_state_and_no_download(monkeypatch):
    import nltk
    import textstat

    monkeypatch.setattr(nltk, "download", lambda *a, **k: pytest.fail("textstat tried to download cmudict"))
    english = SAMPLES["en"]["middle-grade"][0]
    before = flesch(english, "en")
    textstat.set_lang("es")
    try:
        assert flesch(english, "en") == before
    finally:
        textstat.set_lang("en_US")


def test_concurrent_scoring_in_two_languages_gives_the_sequential_results():
    texts = [(t, lang) for lang in ("en", "es") for t in SAMPLES[lang]["adult"]] * 5
    expected = [flesch(t, lang) for t, lang in texts]
    results: list[object] = [None] * len(texts)

    def score(i: int) -> None:
        results[i] = flesch(*texts[i])

    threads = [threading.Thread(target=score, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == expected


def test_every_level_has_a_band_in_every_scored_language():
    assert all(set(bands) == set(LEVEL_AGES) for bands in BANDS.values())
