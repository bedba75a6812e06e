"""Quality gates run by `assemble` before anything is rendered.

Each gate looks at the drafts and returns findings per chapter (and for the whole book). The report goes into
the manifest; `passed` is False when any gate failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bookgen.models import BookRequest, Chapter, StoryBible

LENGTH_TOLERANCE = 0.20


@dataclass
class Report:
    gates: dict[str, dict[str, Any]] = field(default_factory=dict)
    failing_chapters: dict[int, list[str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(g["passed"] for g in self.gates.values())

    def add(self, gate: str, passed: bool, chapters: dict[int, str] | None = None, **details: Any) -> None:
        self.gates[gate] = {"passed": passed, "chapters": {str(k): v for k, v in (chapters or {}).items()},
                            **details}
        for number, problem in (chapters or {}).items():
            self.failing_chapters.setdefault(number, []).append(f"{gate}: {problem}")

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "gates": self.gates}


def mentions(text: str, phrase: str) -> bool:
    words = [re.escape(w) for w in phrase.lower().split() if len(w) > 2] or [re.escape(phrase.lower())]
    return any(re.search(rf"\b{w}", text.lower()) for w in words)


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> Report:
    report = Report()
    budget = request.words_per_chapter
    short_or_long = {c.number: f"{c.words} words for a budget of {budget}" for c in chapters
                     if abs(c.words - budget) > LENGTH_TOLERANCE * budget}
    report.add("length", not short_or_long, short_or_long, tolerance=LENGTH_TOLERANCE)
    name = request.reader.name
    missing_name = {c.number: f"{name} is not named" for c in chapters if not mentions(c.text, name)}
    report.add("personalization_name", len(missing_name) <= len(chapters) // 2, missing_name)
    whole = "\n".join(c.text for c in chapters)
    unused = [i for i in request.reader.interests if not mentions(whole, i)]
    # An unused interest is given to a chapter to fix: the i-th unused one to chapter i (mod the count).
    owners = {chapters[i % len(chapters)].number: f"never mentions {interest!r}" for i, interest in enumerate(unused)}
    report.add("personalization_interests", not unused, owners, unused=unused)
    return report


def feedback(problems: list[str], request: BookRequest) -> str:
    """The message that asks for a rewrite, naming what failed."""
    items = "\n".join(f"- {p}" for p in problems)
    return (f"The previous draft of this chapter failed these checks:\n{items}\n"
            f"Write the chapter again from the start, fixing them. Name {request.reader.name} in it and keep to "
            f"about {request.words_per_chapter} words.")
