"""The `retry` module: the built-in predicates `retry.always` / `retry.never` and the backoff
`retry.default_backoff` (https://cloud.google.com/workflows/docs/reference/syntax/retrying).

A retry predicate is a function of one parameter (the caught error `e`) returning a boolean. Policies and
backoffs are plain maps, exported here for the interpreter to resolve `${retry.default_backoff}`:

    POLICIES  name -> {"predicate": <dotted function name>, "max_retries": int, "backoff": {...}}
              (there is no built-in policy in the retry module itself; http.* policies live in stdlib/http.py)
    BACKOFFS  name -> {"initial_delay": ..., "max_delay": ..., "multiplier": ...}
"""

from __future__ import annotations

from typing import Any

from bookgen.workflow.stdlib import function

DEFAULT_BACKOFF: dict[str, Any] = {"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}

BACKOFFS: dict[str, dict[str, Any]] = {"retry.default_backoff": DEFAULT_BACKOFF}
POLICIES: dict[str, dict[str, Any]] = {}


@function("retry.always", ("e",))
def always(e: Any) -> bool:
    """Retry predicate that retries every error."""
    return True


@function("retry.never", ("e",))
def never(e: Any) -> bool:
    """Retry predicate that never retries."""
    return False
