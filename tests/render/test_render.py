"""The package interface, and determinism across processes (hash seeds) and time."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bookgen.errors import InvalidRequest
from bookgen.render import EXTENSIONS, FORMATS, MEDIA_TYPES, media_type, render
from tests.render.manuscripts import hostile

ROOT = Path(__file__).resolve().parents[2]

RENDER_ALL = """
import hashlib, json
from bookgen.render import render
from bookgen.render.cover import cover_png
from tests.render.manuscripts import hostile
m = hostile(language="en", dedication="For you & me <script>x</script>\\n\\nand 🐉")
cover = cover_png(m)
out = render(m, ["html", "epub", "pdf", "md"], cover_png=cover)
out["cover"] = cover
print(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in out.items()}))
"""


def test_interface():
    assert set(FORMATS) == {"epub", "pdf", "html", "md"}
    assert media_type("epub") == "application/epub+zip"
    assert media_type("pdf") == "application/pdf"
    assert media_type("html").startswith("text/html")
    assert media_type("md").startswith("text/markdown")
    assert media_type("cover") == "image/png"
    assert {f: EXTENSIONS[f] for f in FORMATS} == {"epub": "epub", "pdf": "pdf", "html": "html", "md": "md"}
    assert set(MEDIA_TYPES) == set(EXTENSIONS)
    with pytest.raises(InvalidRequest) as err:
        media_type("docx")
    assert err.value.field == "formats"


def test_render_only_what_is_asked_in_order():
    out = render(hostile(), ["md", "html", "md"])
    assert list(out) == ["md", "html"]
    assert out["html"].startswith(b"<!DOCTYPE html>")
    with pytest.raises(InvalidRequest):
        render(hostile(), ["html", "docx"])


def test_byte_identical_across_processes(rendered, cover):
    """Two fresh interpreters with different hash seeds, seconds apart, give the session's bytes."""
    expected = {k: hashlib.sha256(v).hexdigest() for k, v in rendered.items()}
    expected["cover"] = hashlib.sha256(cover).hexdigest()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", RENDER_ALL],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.splitlines()[-1]) == expected


def test_importing_is_light():
    code = (
        "import sys, bookgen.render, bookgen.render.cover, bookgen.render.pdf, bookgen.render.epub;"
        "print(sorted(m for m in ('weasyprint', 'ebooklib', 'PIL', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr
