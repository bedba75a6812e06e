"""Names that are values without being variables: functions, policies and subworkflows used by reference,
e.g. `retry: ${http.default_retry}`, `predicate: ${my_predicate}`, `backoff: ${retry.default_backoff}`."""

from __future__ import annotations

from typing import Any

from bookgen.workflow import stdlib
from bookgen.workflow.values import FunctionRef, copy_value


def policies() -> dict[str, dict]:
    from bookgen.workflow.stdlib import http, retry

    return {**retry.POLICIES, **http.POLICIES}


def backoffs() -> dict[str, dict]:
    from bookgen.workflow.stdlib import retry

    return retry.BACKOFFS


def is_reference(chain: tuple[str, ...], routines: Any) -> bool:
    """True when an identifier chain read in an expression names a function, policy or subworkflow."""
    if chain[0] in routines:
        return True
    return any(_known(".".join(chain[:i])) for i in range(2, len(chain) + 1))


def _known(name: str) -> bool:
    return stdlib.lookup(name) is not None or name in policies() or name in backoffs()


def resolve(dotted: str, routines: Any) -> Any:
    """The value of a reference; raises LookupError when `dotted` names nothing known."""
    parts = dotted.split(".")
    if parts[0] in routines and len(parts) == 1:
        return FunctionRef(parts[0])
    for i in range(len(parts), 1, -1):
        name = ".".join(parts[:i])
        if name in backoffs() and i == len(parts):
            return copy_value(backoffs()[name])
        if (stdlib.lookup(name) is not None or name in policies()) and i == len(parts):
            return FunctionRef(name)
    raise LookupError(dotted)
