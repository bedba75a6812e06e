"""Calling library functions through the registry, as the engine does (registration is tested too)."""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError


def call(name: str, *args: Any) -> Any:
    fn = stdlib.lookup(name)
    return fn.impl(*fn.bind(list(args)))


def named(name: str, **kwargs: Any) -> Any:
    fn = stdlib.lookup(name)
    return fn.impl(*fn.bind(kwargs))


def tag_of(name: str, *args: Any) -> str:
    with pytest.raises(WorkflowError) as info:
        call(name, *args)
    return info.value.tags[0]
