"""The `uuid` module (https://cloud.google.com/workflows/docs/reference/stdlib/uuid/generate)."""

from __future__ import annotations

import uuid

from bookgen.workflow.stdlib import function


@function("uuid.generate")
def generate() -> str:
    """A random (version 4) 128-bit UUID in its canonical lower-case string form."""
    return str(uuid.uuid4())
