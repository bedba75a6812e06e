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


# Values for the variables without a default.
REQUIRED = ("-var", "project_id=my-proj-1", "-var", "project_number=123456789",
            "-var", "api_image=us-central1-docker.pkg.dev/my-proj-1/bookgen/api:v1",
            "-var", "notifier_image=us-central1-docker.pkg.dev/my-proj-1/bookgen/notifier:v1")


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
    apply = terraform("apply", "-auto-approve", "-input=false", *REQUIRED, "-var", "prefix=stg", cwd=work, env=env)
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


# --- the notifier's webhook budget and the image variables ----------------------------------------

@pytest.fixture(scope="module")
def notifier_locals(tmp_path_factory):
    """variables.tf, the var-only locals block of notifier.tf (the webhook budget) and, as an output, the
    condition of the notifier's precondition as notifier.tf writes it. Returns a function that applies it with
    extra -var arguments and gives (returncode, outputs, stderr)."""
    if TERRAFORM is None:
        pytest.skip("the terraform binary is not on PATH")
    work = tmp_path_factory.mktemp("tf-notifier")
    shutil.copy(REPO_ROOT / "terraform" / "variables.tf", work)
    text = (REPO_ROOT / "terraform" / "notifier.tf").read_text("utf-8")
    blocks = [b for b in locals_blocks(text) if "webhook_budget_s" in b]
    assert len(blocks) == 1, "notifier.tf: expected one locals block with webhook_budget_s"
    condition = re.search(r"precondition \{\s*condition\s*=\s*(.+)", text)
    assert condition and "webhook_budget_s" in condition.group(1)
    (work / "locals.tf").write_text(blocks[0])
    (work / "outputs.tf").write_text(
        'output "budget" { value = local.webhook_budget_s }\n'
        f'output "fits" {{ value = {condition.group(1).strip()} }}\n')
    env = {"TF_DATA_DIR": str(work / ".tfdata")}
    init = terraform("init", "-backend=false", "-input=false", cwd=work, env=env)
    assert init.returncode == 0, init.stderr

    def apply(*extra: str) -> tuple[int, dict, str]:
        result = terraform("apply", "-auto-approve", "-input=false", "-no-color", *REQUIRED, *extra, cwd=work, env=env)
        if result.returncode != 0:
            return result.returncode, {}, result.stderr
        out = terraform("output", "-json", cwd=work, env=env)
        return 0, {k: v["value"] for k, v in json.loads(out.stdout).items()}, ""

    return apply


def test_default_webhook_retries_fit_the_ack_deadline(notifier_locals):
    rc, out, err = notifier_locals()
    assert rc == 0, err
    # 6 attempts x 10 s + 5 waits of up to 60 s (a receiver's Retry-After), inside the 600 s deadline.
    assert out == {"budget": 360, "fits": True}


def test_webhook_retries_longer_than_the_deadline_fail_the_precondition(notifier_locals):
    rc, out, err = notifier_locals("-var", "notifier_scaling={timeout_seconds = 300}")
    assert rc == 0, err
    assert out == {"budget": 360, "fits": False}  # the 300 s of a naive estimate (backoff 1..16 s) is too short
    fewer = ("-var", 'notifier_env={BOOKGEN_WEBHOOK_MAX_ATTEMPTS = "4", BOOKGEN_WEBHOOK_MAX_BACKOFF_S = "30"}')
    rc, out, err = notifier_locals(*fewer, "-var", "notifier_scaling={timeout_seconds = 300}")
    assert rc == 0, err
    assert out == {"budget": 130, "fits": True}  # 4 x 10 s + 3 x 30 s


@pytest.mark.parametrize("extra, message", [
    (("-var", 'notifier_env={BOOKGEN_WEBHOOK_MAX_ATTEMPTS = "many"}'), "BOOKGEN_WEBHOOK_*"),
    (("-var", 'notifier_env={BOOKGEN_API_KEYS = "{}"}'), "from Secret Manager only"),
    (("-var", "notifier_scaling={timeout_seconds = 900}"), "between 10 and 600"),
    (("-var", "api_image=us-central1-docker.pkg.dev/my-proj-1/bookgen/api:latest"), "not :latest"),
    (("-var", "api_image=us-central1-docker.pkg.dev/my-proj-1/bookgen/api"), "with a tag or a digest"),
    (("-var", "notifier_image=notifier:v1"), "HOST/PATH/NAME"),
    (("-var", "api_public_url=http://books.example.com"), "https://"),
])
def test_bad_service_settings_are_refused(notifier_locals, extra, message):
    rc, _, err = notifier_locals(*extra)
    assert rc != 0 and message in " ".join(err.replace("│", " ").split()), err


def test_image_digests_and_custom_urls_are_accepted(notifier_locals):
    digest = "sha256:" + "0" * 64
    rc, _, err = notifier_locals("-var", f"api_image=europe-docker.pkg.dev/p-1/repo/api@{digest}",
                                 "-var", f"notifier_image=ghcr.io/acme/bookgen/notifier:2026.12.03@{digest}",
                                 "-var", "api_public_url=https://books.example.com/v1")
    assert rc == 0, err
