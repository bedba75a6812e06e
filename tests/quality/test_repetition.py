"""The repetition gate: repeated sentences and n-gram loops, calibrated on the small model's loops."""

from __future__ import annotations

import pytest

from bookgen.quality import repetition
from bookgen.quality.repetition import measure, repeated_share
from bookgen.quality.text import sentences as sentences_of
from tests.quality.factories import bible, replace, request, story
from tests.quality.samples import SAMPLES

# The bundled 135M model's loop: one 40-word sentence, six times.
LOOP = ("Pencil: A special part where Maya is saved from her own destiny by Pixel, and she found a spaceship "
        "hidden behind the old barn where the dinosaurs used to sleep before the rockets came and took them all "
        "away to the stars. ")
FILLER = [f"Maya saw {thing} near the river that morning." for thing in
          ("a frog", "a boat", "a kite", "an owl", "a fox", "a cloud", "a star", "a shell", "a crab", "a drum")]


def _text(*sentences: str) -> str:
    return " ".join(sentences)


def test_storyteller_chapters_pass_with_their_scores():
    result = repetition.check(request(), bible(), story())
    assert result.passed
    assert all(f.scores["repeated_4gram_share"] < repetition.MAX_REPEATED_SHARE for f in result.chapters.values())


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_sample_prose_has_no_repeats(lang):
    for texts in SAMPLES[lang].values():
        for text in texts:
            finding = measure(text)
            assert finding.passed and finding.scores["max_sentence_repeats"] <= 1
            assert finding.scores["repeated_4gram_share"] <= 0.01


def test_the_small_models_sentence_loop_is_caught():
    result = repetition.check(request(), bible(), replace(story(), 2, LOOP * 6))
    assert not result.passed and list(result.failing()) == [2]
    problems = result.failing()[2]
    assert problems[0].startswith('repetition: the sentence "pencil a special part where maya is saved from')
    assert problems[0].endswith('occurs 6 times')
    assert any("of the chapter's word sequences are repeats" in p for p in problems)


def test_a_sentence_four_times_is_caught():
    again = "The old lighthouse keeper waved from the rocks."
    finding = measure(_text(again, *FILLER[:3], again, *FILLER[3:6], again, *FILLER[6:], again))
    assert finding.scores["max_sentence_repeats"] == 4
    assert finding.problems == ['the sentence "the old lighthouse keeper waved from the rocks" occurs 4 times']


def test_a_long_sentence_three_times_is_caught():
    long = ("Maya ran across the wide green field toward the tall silver rocket that stood waiting beside the "
            "sleeping dinosaur.")
    finding = measure(_text(long, *FILLER[:4], long, *FILLER[4:8], long))
    assert finding.problems == [f'the 19-word sentence "{" ".join(long.lower().rstrip(".").split()[:12])}…" '
                                "occurs 3 times"]


def test_a_sentence_repeated_straight_after_itself_is_caught():
    again = "The rocket shook and rattled in the wind."
    finding = measure(_text(*FILLER[:5], again, again, *FILLER[5:]))
    assert finding.scores["back_to_back"] and finding.problems == [
        'the sentence "the rocket shook and rattled in the wind" is repeated straight after itself']


def test_a_phrase_looping_inside_one_sentence_is_caught():
    text = "Maya ran " + "and then the dinosaur ran after the rocket " * 12 + "until night."
    finding = measure(text)
    assert finding.scores["max_sentence_repeats"] == 1 and finding.scores["repeated_4gram_share"] > 0.8
    assert finding.problems and "word sequences are repeats" in finding.problems[0]


def test_refrains_of_childrens_books_pass():
    refrain = "But he was still hungry."  # five words, five times: a refrain, not a loop
    sentences = sentences_of(SAMPLES["en"]["early-reader"][1])
    text = _text(*(s + (f" {refrain}" if i % 4 == 3 else "") for i, s in enumerate(sentences)))
    assert text.count(refrain) == 5
    finding = measure(text)
    assert finding.passed and finding.scores["repeated_4gram_share"] < 0.1


def test_repeated_share_counts_only_repeats_of_earlier_ngrams():
    assert repeated_share("a b c d e f") == 0.0
    assert repeated_share("a b c d a b c d") == pytest.approx(1 / 5)
