"""The quality report: every gate's verdict, per-chapter findings with scores, JSON for the manifest.

    Report
    ├── gates: name -> GateResult(passed, details, chapters: number -> ChapterFinding(scores, problems))
    ├── failing_chapters   number -> ["gate: problem", ...], only from gates that failed (drives regeneration)
    └── history            the failing chapters of earlier rounds (when `check` is given the previous report)

A chapter finding may carry problems while its gate passes (e.g. one chapter of eight never names the reader):
they are recorded for the manifest but do not make the chapter fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChapterFinding:
    """One gate's look at one chapter: its measurements and what is wrong with it (empty when nothing)."""

    scores: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "scores": self.scores, "problems": list(self.problems)}


@dataclass
class GateResult:
    """One gate over the whole book. `details` holds its thresholds and book-level numbers."""

    name: str
    passed: bool
    chapters: dict[int, ChapterFinding] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def per_chapter(cls, name: str, chapters: dict[int, ChapterFinding], **details: Any) -> GateResult:
        """A gate that passes when every chapter passes."""
        return cls(name, all(f.passed for f in chapters.values()), chapters, details)

    def failing(self) -> dict[int, list[str]]:
        """The chapters to rewrite for this gate (none when the gate passed)."""
        if self.passed:
            return {}
        return {n: [f"{self.name}: {p}" for p in f.problems] for n, f in self.chapters.items() if f.problems}

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, **self.details,
                "chapters": {str(n): f.as_dict() for n, f in sorted(self.chapters.items())}}


@dataclass
class Report:
    """All gates' results for one round of drafts."""

    gates: dict[str, GateResult] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: GateResult) -> None:
        self.gates[result.name] = result

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates.values())

    @property
    def failing_chapters(self) -> dict[int, list[str]]:
        """Chapter number -> the problems (prefixed with the gate's name) of every gate that failed."""
        out: dict[int, list[str]] = {}
        for gate in self.gates.values():
            for number, problems in gate.failing().items():
                out.setdefault(number, []).extend(problems)
        return dict(sorted(out.items()))

    def round_summary(self) -> dict[str, Any]:
        """What this round found, as one entry of a later report's `history`."""
        return {"passed": self.passed, "failed_gates": [n for n, g in self.gates.items() if not g.passed],
                "failing_chapters": {str(n): p for n, p in self.failing_chapters.items()}}

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types only: the manifest's `quality`."""
        return {"passed": self.passed, "gates": {n: g.as_dict() for n, g in self.gates.items()},
                "failing_chapters": {str(n): p for n, p in self.failing_chapters.items()},
                "history": list(self.history)}
