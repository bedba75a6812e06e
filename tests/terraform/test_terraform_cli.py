"""What the terraform binary can check offline: formatting, and the values of the module's locals that need no
provider (Terraform evaluates them itself, so the `$${dataset}` escaping and the header regex are tested as
Terraform reads them, not as we think it does)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terraform.conftest import REPO_ROOT

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not on PATH")


def terraform(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TERRAFORM, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", **(env or {})})


@needs_terraform
def test_terraform_fmt_check_passes():
    result = terraform("fmt", "-check", "-recursive", "terraform/", cwd=REPO_ROOT)
    assert result.returncode == 0, f"terraform fmt would change: {result.stdout}{result.stderr}"


@needs_terraform
def test_terraform_fmt_check_catches_bad_formatting(tmp_path):
    (tmp_path / "bad.tf").write_text('locals {\nx = "a"\n    yy="b"\n}\n')
    result = terraform("fmt", "-check", "-recursive", str(tmp_path), cwd=tmp_path)
    assert result.returncode != 0 and "bad.tf" in result.stdout


def locals_blocks(text: str) -> list[str]:
    """The `locals { ... }` blocks of a file (braces balance inside this module's strings)."""
    blocks = []
    for m in re.finditer(r"(?m)^locals \{", text):
        depth, i = 0, m.start()
        while True:
            ch = text[i]
            depth += ch == "{"
            depth -= ch == "}"
            i += 1
            if ch == "}" and depth == 0:
                break
        blocks.append(text[m.start():i])
    return blocks


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """Terraform's own values of the main.tf and bigquery.tf locals, for project my-proj-1 and prefix stg."""
    if TERRAFORM is None:
        pytest.skip("the terraform binary is not on PATH")
    root = tmp_path_factory.mktemp("tf")
    work = root / "terraform"
    work.mkdir()
    (root / "src").symlink_to(REPO_ROOT / "src")
    shutil.copy(REPO_ROOT / "terraform" / "variables.tf", work)
    blocks = []
    for name in ("main.tf", "bigquery.tf"):
        blocks += locals_blocks((REPO_ROOT / "terraform" / name).read_text("utf-8"))
    (work / "locals.tf").write_text("\n".join(blocks))
    (work / "outputs.tf").write_text(
        'output "view_query" { value = local.view_query }\n'
        'output "view_description" { value = local.view_description }\n'
        'output "dataset_id" { value = local.dataset_id }\n')
    env = {"TF_DATA_DIR": str(root / ".tfdata")}
    init = terraform("init", "-backend=false", "-input=false", cwd=work, env=env)
    assert init.returncode == 0, init.stderr
    apply = terraform("apply", "-auto-approve", "-input=false", "-var", "project_id=my-proj-1",
                      "-var", "project_number=123456789", "-var", "prefix=stg", cwd=work, env=env)
    assert apply.returncode == 0, apply.stderr
    out = terraform("output", "-json", cwd=work, env=env)
    return {k: v["value"] for k, v in json.loads(out.stdout).items()}


def test_view_queries_as_terraform_builds_them(evaluated, sql_dir):
    from bookgen.analytics.schema import VIEWS

    assert evaluated["dataset_id"] == "stg_bookgen"
    assert sorted(evaluated["view_query"]) == sorted(VIEWS)
    for name, query in evaluated["view_query"].items():
        text = (sql_dir / f"{name}.sql").read_text("utf-8")
        body = re.split(r"CREATE OR REPLACE VIEW\s+\S+\s+AS\s+", text, maxsplit=1)[1]
        assert query == body.replace("${dataset}", "`my-proj-1`.stg_bookgen"), name
        assert query.lstrip().upper().startswith(("SELECT", "WITH")), name


def test_view_descriptions_are_the_leading_comments(evaluated):
    assert evaluated["view_description"]["books_latest"].startswith("The latest row of each book.")
    assert all(d and "CREATE" not in d and "--" not in d for d in evaluated["view_description"].values())
