"""`bookgen generate`, `bookgen stats`, `bookgen schema`: the book pipeline from the shell.

Exit codes: 0 the book is ready; 1 the workflow failed (error JSON on the last line of stdout); 2 the request
(or the command line) is invalid — nothing is written under processed/.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click


@click.command()
@click.argument("request_file", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Also copy the book files here.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON on stdout.")
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default=None, help="Storage root (env BOOKGEN_DATA_DIR).")
def generate(request_file: str, out: str | None, as_json: bool, data_dir: str | None) -> None:
    """Write the book described by REQUEST_FILE (JSON) with the local engine."""
    from bookgen.errors import BookgenError, InvalidRequest
    from bookgen.validation import read_request_file

    try:
        text, request = read_request_file(request_file)
    except InvalidRequest as e:
        _fail(2, str(e))
    services = _services(data_dir)
    book_id = request.derived_book_id()
    click.echo(f"book {book_id}: {request.chapters} chapters, {request.words_per_chapter} words each, "
               f"model {services.llm.provider}/{services.llm.model}", err=True)
    from bookgen.cli.progress import Progress
    from bookgen.runner import run_book

    try:
        with Progress(services.storage, book_id, request.chapters):
            execution = run_book(services, {"request": json.loads(text)})
    except BookgenError as e:
        _fail(1, f"{type(e).__name__}: {e}")
    if execution.state != "SUCCEEDED":
        click.echo(f"execution {execution.execution_id} failed; `bookgen workflow history "
                   f"{execution.execution_id}` shows its steps", err=True)
        click.echo(json.dumps(execution.error, ensure_ascii=False, default=repr))
        sys.exit(1)
    _report(services, book_id, out, as_json)


def _report(services, book_id: str, out: str | None, as_json: bool) -> None:
    from bookgen import keys
    from bookgen.storage import read_json

    manifest = read_json(services.storage, keys.manifest(book_id))
    paths = [services.storage.path(f["key"]) for f in manifest["files"]]
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        paths = [Path(shutil.copy2(p, Path(out) / p.name)) for p in paths]
    if as_json:
        click.echo(json.dumps(manifest, ensure_ascii=False))
        return
    click.echo(f"{manifest['title']} — {manifest['words']} words, ${manifest['cost_usd']:.4f}, quality "
               f"{'passed' if manifest['quality_passed'] else 'NOT passed'}")
    for p in paths:
        click.echo(str(Path(p).resolve()))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default=None, help="Storage root (env BOOKGEN_DATA_DIR).")
def stats(as_json: bool, data_dir: str | None) -> None:
    """Books, model calls, tokens, cost and step durations, from the analytics database."""
    from bookgen.analytics.duckdb import DuckDBAnalytics
    from bookgen.settings import get_settings

    root = Path(data_dir) if data_dir else get_settings().data_dir
    summary = DuckDBAnalytics(root / "analytics.duckdb").stats()
    if as_json:
        click.echo(json.dumps(summary, default=str))
        return
    click.echo(json.dumps(summary, indent=2, default=str))


@click.command()
@click.argument("what", type=click.Choice(["request", "manifest", "bible"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a contract."""
    from bookgen import models

    model = {"request": models.BookRequest, "manifest": models.Manifest, "bible": models.StoryBible}[what]
    click.echo(json.dumps(model.model_json_schema(), indent=2))


def _services(data_dir: str | None):
    from bookgen.errors import ConfigError
    from bookgen.services import build_services
    from bookgen.settings import get_settings

    settings = get_settings()
    if data_dir:
        settings = settings.model_copy(update={"data_dir": Path(data_dir)})
    try:
        return build_services(settings)
    except ConfigError as e:
        _fail(2, f"configuration: {e}")


def _fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)
