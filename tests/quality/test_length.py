"""The length gate: ±20 % of each chapter's word budget."""

from __future__ import annotations

import pytest

from bookgen.quality import length
from tests.quality.factories import bible, chapter, replace, request, story


def test_storyteller_chapters_pass_with_their_scores():
    result = length.check(request(), bible(), story())
    assert result.passed
    assert {n: f.scores["budget"] for n, f in result.chapters.items()} == {1: 150, 2: 150, 3: 150}
    assert all(0.8 <= f.scores["ratio"] <= 1.2 for f in result.chapters.values())


@pytest.mark.parametrize("words, verdict", [(119, "too short"), (181, "too long")])
def test_a_chapter_outside_the_band_fails_with_its_numbers(words, verdict):
    chapters = replace(story(), 2, " ".join(["word"] * words))
    result = length.check(request(), bible(), chapters)
    assert not result.passed and result.failing() == {
        2: [f"length: {words} words for a budget of 150 (allowed 120-180): {verdict}"]}


@pytest.mark.parametrize("words", [120, 180])
def test_the_band_edges_pass(words):
    assert length.check(request(), bible(), replace(story(), 2, " ".join(["word"] * words))).passed


def test_the_budget_is_the_bibles_word_budget_of_that_chapter():
    req = request()
    b = bible(req)
    b.chapters[0].word_budget = 400
    result = length.check(req, b, [chapter(1, " ".join(["word"] * 400))] + story(req)[1:])
    assert result.passed and result.chapters[1].scores == {"words": 400, "budget": 400, "ratio": 1.0}
