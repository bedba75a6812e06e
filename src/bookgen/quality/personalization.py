"""Personalization gates: the reader is named in the book and in most chapters (`personalization_name`), and
every interest is used somewhere (`personalization_interests`).

Matching ignores case, accents and plurals ("dinosaurs" is used by "a dinosaur", "los trenes" by "el tren"),
and a multi-word interest is used when any of its content words is ("her cat Pixel" by "Pixel"). The name
counts when any of its capitalized words appears capitalized ("Maya's" counts for "Maya", "Sofia" for "Sofía"
— a misspelling is the names gate's business).

"Most chapters" is three quarters, rounded up: every chapter of a book of up to three, 6 of 8, 15 of 20.
When the gate fails, the chapters that miss the name are rewritten. An interest no chapter uses is handed to
one chapter to fix: the first chapter whose plan in the bible (title, beats, states) mentions it — that draft
ignored its brief — else the i-th unused interest to the i-th chapter (cycling), so fixes spread over the book.
"""

from __future__ import annotations

import math

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult
from bookgen.quality.text import base_name, fold, mentions, vocabulary, words

NAME_GATE = "personalization_name"
INTERESTS_GATE = "personalization_interests"
SHARE = 0.75
ADVICE = "Make the reader the hero and use their interests."


def required_chapters(total: int) -> int:
    return max(1, math.ceil(SHARE * total))


def name_tokens(name: str) -> set[str]:
    """The folded words that identify a person's name ("Mary de la Cruz" -> mary, cruz)."""
    tokens = [w for w in words(name) if w[:1].isupper()] or words(name)
    return {fold(w) for w in tokens}


def capitalized(text: str) -> set[str]:
    """Folded capitalized words of `text`, without possessive endings."""
    return {fold(base_name(w)) for w in words(text) if w[:1].isupper()}


def check_name(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    name = request.reader.name
    wanted = name_tokens(name)
    findings: dict[int, ChapterFinding] = {}
    for chapter in chapters:
        named = bool(wanted & capitalized(chapter.text))
        finding = ChapterFinding(scores={"named": named})
        if not named:
            finding.problems.append(f"the reader, {name}, is never named in this chapter")
        findings[chapter.number] = finding
    named_count = sum(1 for f in findings.values() if f.passed)
    need = required_chapters(len(chapters))
    return GateResult(NAME_GATE, named_count >= need, findings,
                      {"name": name, "chapters_named": named_count, "required": need, "share": SHARE})


def check_interests(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    if not chapters:
        return GateResult(INTERESTS_GATE, True, {}, {"interests": list(request.reader.interests), "unused": []})
    interests = list(request.reader.interests)
    vocabs = {c.number: vocabulary(c.text) for c in chapters}
    findings = {c.number: ChapterFinding(scores={"interests_used": [
        i for i in interests if mentions(c.text, i, vocabs[c.number])]}) for c in chapters}
    used = {i for f in findings.values() for i in f.scores["interests_used"]}
    unused = [i for i in interests if i not in used]
    plans = {p.number: " ".join([p.title, *p.beats, p.start_state, p.end_state]) for p in bible.chapters}
    for index, interest in enumerate(unused):
        planned = [c.number for c in chapters if mentions(plans.get(c.number, ""), interest)]
        owner = planned[0] if planned else chapters[index % len(chapters)].number
        findings[owner].problems.append(f"the book never mentions the reader's interest {interest!r}")
    return GateResult(INTERESTS_GATE, not unused, findings, {"interests": interests, "unused": unused})
