"""Prompts live in files next to this module; `render(name, **values)` fills one (Jinja2, no autoescape:
these are prompts, not HTML). Reader-supplied text is passed in as labelled, quoted JSON data."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=False, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **values: Any) -> str:
    return _environment().get_template(name).render(**values).strip()
