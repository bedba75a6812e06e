"""Fixtures of the static Terraform tests: the parsed module and what the rest of the repository says it must
wire (steps/, workflows/book.yaml, bookgen.analytics.schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def parsed_module():
    pytest.importorskip("hcl2", reason="python-hcl2 is not installed (it is a dev dependency: pip install python-hcl2)")
    from tests.terraform import hcl

    return hcl.load()


@pytest.fixture
def module(parsed_module):
    """A private copy: tests may mutate it."""
    return parsed_module.copy()


@pytest.fixture(scope="session")
def step_names() -> list[str]:
    return sorted(p.name for p in (REPO_ROOT / "steps").iterdir() if (p / "main.py").is_file())


@pytest.fixture(scope="session")
def workflow_env() -> set[str]:
    from tests.terraform.checks import workflow_env_names

    return workflow_env_names(REPO_ROOT / "workflows" / "book.yaml")


@pytest.fixture(scope="session")
def sql_dir() -> Path:
    return REPO_ROOT / "src" / "bookgen" / "analytics" / "sql"
