"""The `list` module (https://cloud.google.com/workflows/docs/reference/stdlib/list/concat, .../prepend).

Both functions return a new list; the argument list is not modified.
"""

from __future__ import annotations

from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check
from bookgen.workflow.values import copy_value


@function("list.concat", ("objs", "val"))
def concat(objs: Any, val: Any) -> list[Any]:
    """A copy of the list `objs` with `val` appended (a list `val` is appended as one element)."""
    check("list.concat", "objs", objs, "list")
    return copy_value(objs) + [copy_value(val)]


@function("list.prepend", ("objs", "val"))
def prepend(objs: Any, val: Any) -> list[Any]:
    """A copy of the list `objs` with `val` inserted at the front."""
    check("list.prepend", "objs", objs, "list")
    return [copy_value(val)] + copy_value(objs)
