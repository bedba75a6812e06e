"""uuid.generate: https://cloud.google.com/workflows/docs/reference/stdlib/uuid/generate"""

from __future__ import annotations

import re

from bookgen.workflow import stdlib


def test_generate_random_v4() -> None:
    fn = stdlib.lookup("uuid.generate")
    assert fn.params == ()
    first, second = fn.impl(*fn.bind([])), fn.impl(*fn.bind({}))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert first != second
