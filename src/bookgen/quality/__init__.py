"""Quality gates run by `assemble` before anything is rendered.

One module per gate; each is a function `(request, bible, chapters) -> GateResult` with per-chapter findings
and scores (see `report`). `check` runs them all in a fixed order:

    length                     ±20 % of the chapter's word budget                      length.py
    reading_level              Flesch reading ease inside the reader level's band      reading_level.py
    personalization_name       the reader named in the book and in 3/4 of chapters     personalization.py
    personalization_interests  every interest used somewhere                           personalization.py
    meta_text                  no preambles, notes, leaked prompt, placeholders        meta_text.py
    repetition                 no repeated-sentence or n-gram loops                    repetition.py
    names                      characters as in the bible, spelled as in the bible     names.py
    language                   written in the book's language (stopword profile)       language.py

`Report.failing_chapters` drives the bounded regeneration in `assemble`; `feedback` turns a chapter's problems
into the rewrite request; `Report.as_dict()` is the manifest's `quality`.
"""

from __future__ import annotations

from collections.abc import Callable

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality import language, length, meta_text, names, personalization, reading_level, repetition
from bookgen.quality.report import ChapterFinding, GateResult, Report

__all__ = ["GATES", "ChapterFinding", "GateResult", "Report", "check", "feedback"]

Gate = Callable[[BookRequest, StoryBible, list[Chapter]], GateResult]
GATES: dict[str, Gate] = {
    length.NAME: length.check,
    reading_level.NAME: reading_level.check,
    personalization.NAME_GATE: personalization.check_name,
    personalization.INTERESTS_GATE: personalization.check_interests,
    meta_text.NAME: meta_text.check,
    repetition.NAME: repetition.check,
    names.NAME: names.check,
    language.NAME: language.check,
}
ADVICE: dict[str, str] = {
    length.NAME: length.ADVICE, reading_level.NAME: reading_level.ADVICE,
    personalization.NAME_GATE: personalization.ADVICE, personalization.INTERESTS_GATE: personalization.ADVICE,
    meta_text.NAME: meta_text.ADVICE, repetition.NAME: repetition.ADVICE, names.NAME: names.ADVICE,
    language.NAME: language.ADVICE,
}


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter], previous: Report | None = None,
          gates: dict[str, Gate] | None = None) -> Report:
    """Run every gate (or those given) over the drafts. With `previous` (the report of the round before a
    regeneration), the new report's `history` records what the earlier rounds found."""
    report = Report()
    if previous is not None:
        report.history = [*previous.history, previous.round_summary()]
    for gate in (gates or GATES).values():
        report.add(gate(request, bible, chapters))
    return report


def feedback(problems: list[str], request: BookRequest) -> str:
    """The message that asks for a rewrite, naming what failed (problems are "gate: detail" strings)."""
    items = "\n".join(f"- {p}" for p in problems)
    failed = list(dict.fromkeys(p.split(":", 1)[0] for p in problems))
    advice = " ".join(dict.fromkeys(ADVICE[g] for g in failed if g in ADVICE))
    return (f"The previous draft of this chapter failed these checks:\n{items}\n"
            f"Write the chapter again from the start, fixing them. {advice}\n"
            f"{request.reader.name} is the hero. Write about {request.words_per_chapter} words.")
