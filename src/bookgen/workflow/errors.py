"""Errors of the workflow language.

Two kinds, by when they happen:

    DefinitionError      the source is rejected before any step runs (the service's deploy-time checks);
                         carries one Problem per reason, each with file, line and step.
    WorkflowError        a runtime error a workflow can catch with try/except; `.value` is exactly what the
                         workflow sees in `except: as: e` — usually an error map {"message": str, "tags": [str],
                         ...}, or a plain string when the workflow raised a string.

Runtime tags follow https://cloud.google.com/workflows/docs/reference/syntax/error-types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TAGS = (
    "AuthError", "ConnectionError", "ConnectionFailedError", "HttpError", "IndexError", "KeyError",
    "OperationError", "ParallelNestingError", "RecursionError", "ResourceLimitError", "ResponseTypeError",
    "SystemError", "TimeoutError", "TypeError", "UnhandledBranchError", "ValueError", "ZeroDivisionError",
)


class WorkflowError(Exception):
    """A catchable runtime error; `value` is the error as the workflow sees it."""

    def __init__(self, value: Any):
        self.value = value
        super().__init__(value.get("message") if isinstance(value, dict) else value)

    @property
    def tags(self) -> list[str]:
        if isinstance(self.value, dict) and isinstance(self.value.get("tags"), list):
            return list(self.value["tags"])
        return []


def error(tag: str, message: str, **extra: Any) -> WorkflowError:
    """Build a runtime error with one documented tag: `raise error("KeyError", "key not found: x")`."""
    return WorkflowError({"message": message, "tags": [tag], **extra})


@dataclass(frozen=True)
class Problem:
    """One reason a definition is rejected."""

    message: str
    file: str = "<workflow>"
    line: int | None = None
    step: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        step = f" (step {self.step!r})" if self.step else ""
        return f"{where}{step}: {self.message}"


class DefinitionError(Exception):
    """The workflow source is invalid; raised before anything runs."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
