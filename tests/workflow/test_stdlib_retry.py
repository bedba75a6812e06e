"""retry.*: https://cloud.google.com/workflows/docs/reference/syntax/retrying"""

from __future__ import annotations

from bookgen.workflow import stdlib
from bookgen.workflow.stdlib import retry


def test_predicates() -> None:
    always, never = stdlib.lookup("retry.always"), stdlib.lookup("retry.never")
    assert always.params == ("e",) and never.params == ("e",)
    err = {"message": "boom", "tags": ["HttpError"], "code": 500}
    assert always.impl(*always.bind([err])) is True
    assert never.impl(*never.bind({"e": err})) is False


def test_default_backoff_and_policies() -> None:
    assert retry.BACKOFFS == {"retry.default_backoff": {"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}}
    assert retry.POLICIES == {}
    assert all(name.startswith("retry.") for name in retry.POLICIES)
