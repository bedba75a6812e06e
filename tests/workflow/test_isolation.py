"""The workflow package stands alone: it imports nothing else from bookgen, so it can be published on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import bookgen.workflow

PACKAGE = Path(bookgen.workflow.__file__).parent


def test_workflow_package_imports_nothing_else_from_bookgen():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] == "bookgen" and not n.startswith("bookgen.workflow")]
    assert offenders == []
