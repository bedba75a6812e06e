"""The `bookgen workflow` CLI contract: exit codes and the JSON on the last line of stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

OK = """
main:
  params: [args]
  steps:
    - env:
        call: sys.get_env
        args:
          name: GREETING
        result: greeting
    - done:
        return: ${greeting + ", " + args.name}
"""
FAILS = """
main:
  steps:
    - boom:
        raise:
          code: 7
          message: broken
"""
RAISES_STRING = """
main:
  steps:
    - boom:
        raise: "just a string"
"""
REJECTED = """
main:
  steps:
    - one:
        next: nowhere
"""


def bookgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bookgen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def wf(tmp_path: Path):
    def write(text: str, name: str = "wf.yaml") -> str:
        (tmp_path / name).write_text(text)
        return name

    return write


def test_run_success_prints_result_on_last_line(tmp_path, wf):
    p = bookgen("workflow", "run", wf(OK), "--data", '{"name": "Maya"}', "--env", "GREETING=Hola", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == "Hola, Maya"


def test_run_data_from_file(tmp_path, wf):
    (tmp_path / "arg.json").write_text('{"name": "Ana"}')
    p = bookgen("workflow", "run", wf(OK), "--data", "@arg.json", "--env", "GREETING=Hi", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.splitlines()[-1]) == "Hi, Ana"


def test_run_failure_prints_error_map_and_exits_1(tmp_path, wf):
    p = bookgen("workflow", "run", wf(FAILS), cwd=tmp_path)
    assert p.returncode == 1
    assert json.loads(p.stdout.splitlines()[-1]) == {"code": 7, "message": "broken"}


def test_run_failure_with_raised_string(tmp_path, wf):
    p = bookgen("workflow", "run", wf(RAISES_STRING), cwd=tmp_path)
    assert p.returncode == 1
    assert json.loads(p.stdout.splitlines()[-1]) == "just a string"


def test_run_rejected_definition_exits_2_with_reason_on_stderr(tmp_path, wf):
    p = bookgen("workflow", "run", wf(REJECTED), cwd=tmp_path)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "wf.yaml:5" in p.stderr and "nowhere" in p.stderr and "'one'" in p.stderr


@pytest.mark.parametrize("args", [["--data", "{not json"], ["--data", "@missing.json"], ["--env", "NOEQUALS"],
                                  ["--env", "GOOGLE_X=1"]])
def test_run_bad_command_line_exits_2(tmp_path, wf, args):
    p = bookgen("workflow", "run", wf(OK), *args, cwd=tmp_path)
    assert p.returncode == 2, p.stdout
    assert p.stderr.strip()


def test_validate(tmp_path, wf):
    assert bookgen("workflow", "validate", wf(OK), cwd=tmp_path).returncode == 0
    bad = bookgen("workflow", "validate", wf(REJECTED, "bad.yaml"), cwd=tmp_path)
    assert bad.returncode == 2 and "unknown step 'nowhere'" in bad.stderr
    missing = bookgen("workflow", "validate", "absent.yaml", cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_history_lists_and_shows_executions(tmp_path, wf):
    run = bookgen("workflow", "run", wf(OK), "--data", '{"name": "M"}', "--env", "GREETING=Hey",
                  "--execution-id", "exec-1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    listing = bookgen("workflow", "history", "--json", cwd=tmp_path)
    assert [r["executionId"] for r in json.loads(listing.stdout)] == ["exec-1"]
    shown = json.loads(bookgen("workflow", "history", "exec-1", "--json", cwd=tmp_path).stdout)
    assert shown["state"] == "SUCCEEDED" and shown["result"] == "Hey, M"
    assert [(e["step"], e["stepType"], e["state"]) for e in shown["stepEntries"]] == [
        ("env", "STEP_STD_LIB_CALL", "STATE_SUCCEEDED"), ("done", "STEP_RETURN", "STATE_SUCCEEDED")]
    text = bookgen("workflow", "history", "exec-1", cwd=tmp_path)
    assert "main.env" in text.stdout
    assert bookgen("workflow", "history", "nope", cwd=tmp_path).returncode == 2
