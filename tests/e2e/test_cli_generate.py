"""`bookgen generate` / `stats` as a user runs them: real processes, the scripted provider."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, request_data, write_request


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, BOOKGEN_DATA_DIR=str(data_dir), BOOKGEN_LLM_PROVIDER="scripted",
               BOOKGEN_WORKFLOW_FILE=str(ROOT / "workflows" / "book.yaml"))
    env.update(extra)
    return env


def bookgen(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bookgen", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.mark.parametrize("name, data, field", [
    ("missing reader", {"genre": "adventure"}, "reader"),
    ("zero chapters", request_data(chapters=0), "chapters"),
    ("500 chapters", request_data(chapters=500), "chapters"),
    ("wrong type", request_data(words_per_chapter="many"), "words_per_chapter"),
    ("unknown field", request_data(colour="blue"), "colour"),
    ("bad book_id", request_data(book_id="Bad_ID!"), "book_id"),
    ("bad interest", request_data(reader={"name": "M", "interests": [7]}), "reader.interests[0]"),
])
def test_malformed_request_exits_2_naming_the_field(tmp_path, name, data, field):
    data_dir = tmp_path / "data"
    p = bookgen("generate", str(write_request(tmp_path / "r.json", data)), env=env_for(data_dir))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert field in p.stderr
    assert not (data_dir / "processed").exists()


def test_invalid_json_exits_2(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"reader": {"name": "M"},')
    p = bookgen("generate", str(path), env=env_for(tmp_path / "data"))
    assert p.returncode == 2 and "not valid JSON" in p.stderr
    assert not (tmp_path / "data" / "processed").exists()


def test_generate_prints_paths_then_stats_reports(tmp_path):
    env = env_for(tmp_path / "data")
    p = bookgen("generate", str(write_request(tmp_path / "r.json", request_data())), "--out",
                str(tmp_path / "out"), env=env)
    assert p.returncode == 0, p.stderr
    paths = [Path(line) for line in p.stdout.splitlines() if line.startswith("/")]
    assert {x.suffix for x in paths} == {".epub", ".pdf", ".html", ".md", ".png"}
    assert all(x.is_file() and x.parent == (tmp_path / "out").resolve() for x in paths)
    assert "chapters: 3/3" in p.stderr
    as_json = bookgen("generate", str(tmp_path / "r.json"), "--json", env=env)
    assert json.loads(as_json.stdout)["status"] == "ready"
    stats = json.loads(bookgen("stats", "--json", env=env).stdout)
    assert stats["books"]["total"] >= 1
    assert stats["calls"]["count"] >= 4 and stats["tokens"]["completion"] > 0
    steps = stats["duration_ms"]
    assert {"outline", "chapters", "assemble", "publish"} <= set(steps)
    assert all(steps[s]["p50"] > 0 and steps[s]["p95"] >= steps[s]["p50"] for s in ("outline", "assemble"))
    assert steps["chapters"]["runs"] == 6  # two runs of three chapters (the second reuses them)


def test_killed_during_chapters_resumes_without_rewriting_finished_chapters(tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(data_dir, BOOKGEN_SCRIPTED_DELAY_S="0.6", BOOKGEN_CHAPTER_CONCURRENCY="1")
    request = write_request(tmp_path / "r.json", request_data(chapters=6))
    proc = subprocess.Popen([sys.executable, "-m", "bookgen", "generate", str(request)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    chapters_dir = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = list(data_dir.glob("raw/books/*/chapters/*.json"))
        if len(found) >= 2:
            chapters_dir = found[0].parent
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert chapters_dir is not None, "no chapter was written before the deadline"
    done = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in chapters_dir.glob("*.json")}
    assert 2 <= len(done) < 6
    p = bookgen("generate", str(request), "--json", env=env_for(data_dir))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["status"] == "ready"
    for name, (data, mtime) in done.items():
        path = chapters_dir / name
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    assert len(list(chapters_dir.glob("*.json"))) == 6
