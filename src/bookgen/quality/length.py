"""Length gate: each chapter within ±20 % of its word budget (the bible's `word_budget`, else the request's
`words_per_chapter`).

The chapters step turns the budget into `max_tokens` and cuts a runaway draft back to its last full sentence,
so a draft outside the band is either cut far too early (the model stopped, or wrote a one-line refusal) or the
token estimate is wrong for the language; both deserve a rewrite.
"""

from __future__ import annotations

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult

NAME = "length"
TOLERANCE = 0.20
ADVICE = "Keep to the requested length."


def budget_of(request: BookRequest, bible: StoryBible, number: int) -> int:
    plans = {p.number: p for p in bible.chapters}
    return plans[number].word_budget if number in plans else request.words_per_chapter


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    findings = {}
    for chapter in chapters:
        budget = budget_of(request, bible, chapter.number)
        count = len(chapter.text.split())
        low, high = round(budget * (1 - TOLERANCE)), round(budget * (1 + TOLERANCE))
        finding = ChapterFinding(scores={"words": count, "budget": budget, "ratio": round(count / budget, 3)})
        if not low <= count <= high:
            finding.problems.append(f"{count} words for a budget of {budget} (allowed {low}-{high}): "
                                    f"{'too short' if count < low else 'too long'}")
        findings[chapter.number] = finding
    return GateResult.per_chapter(NAME, findings, tolerance=TOLERANCE)
