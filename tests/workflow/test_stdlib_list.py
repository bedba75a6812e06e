"""list.*: https://cloud.google.com/workflows/docs/reference/stdlib/list/concat, .../prepend"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError
from tests.workflow.stdlib_calls import call


def test_concat_appends_a_copy() -> None:
    original = [1, 2]
    assert call("list.concat", original, 3) == [1, 2, 3]
    assert call("list.concat", original, [3, 4]) == [1, 2, [3, 4]]
    assert original == [1, 2]


def test_prepend() -> None:
    fn = stdlib.lookup("list.prepend")
    assert fn.impl(*fn.bind({"objs": ["b"], "val": "a"})) == ["a", "b"]


@pytest.mark.parametrize("name", ["list.concat", "list.prepend"])
@pytest.mark.parametrize("objs", [None, "abc", {"a": 1}])
def test_type_error(name: str, objs: Any) -> None:
    with pytest.raises(WorkflowError) as info:
        call(name, objs, 1)
    assert info.value.tags == ["TypeError"]
