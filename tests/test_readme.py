"""The README's settings table matches the Settings class (one row per field, same defaults)."""

from __future__ import annotations

import re
from pathlib import Path

from bookgen.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_settings_table_matches_settings_class():
    rows = dict(re.findall(r"^\| `BOOKGEN_([A-Z0-9_]+)` \| `([^`]*)` \|", README.read_text(), re.MULTILINE))
    fields = {name.upper(): f for name, f in Settings.model_fields.items()}
    assert set(rows) == set(fields)
    for name, field in fields.items():
        if field.default_factory is None:
            assert rows[name] == str(field.default), name


def test_readme_starts_with_the_two_commands():
    text = README.read_text()
    block = text.split("```")[1]
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]
