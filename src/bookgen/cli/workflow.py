"""`bookgen workflow run|validate|history`: the local Cloud Workflows engine from the shell.

Contract (other tools depend on it): `run` exits 0 with the result as JSON on the last line of stdout; 1 with
the error map (or raised string) as JSON on the last line of stdout when the workflow fails; 2 with the reason
on stderr when the definition (or the command line) is rejected before running.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DATA_DIR_HELP = "Where executions are recorded (env BOOKGEN_DATA_DIR)."


@click.group()
def workflow() -> None:
    """Run Cloud Workflows definitions on this machine."""


@workflow.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--data", "data", default=None, help="Execution argument: JSON text, or @file.json.")
@click.option("--env", "env", multiple=True, metavar="K=V", help="A user environment variable (repeatable).")
@click.option("--call-log-level", type=click.Choice(["none", "log-errors-only", "log-all-calls"]), default="none",
              show_default=True, help="Record call steps in the execution history.")
@click.option("--execution-id", default=None, help="Use this execution id instead of a new UUID.")
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default="bookgen-data", show_default=True, help=DATA_DIR_HELP)
def run(file: str, data: str | None, env: tuple[str, ...], call_log_level: str, execution_id: str | None,
        data_dir: str) -> None:
    """Run FILE once with the --data argument and print the result."""
    from bookgen.workflow import DefinitionError, Engine, load

    argument = _argument(data)
    env_vars = _env(env)
    try:
        definition = load(file)
    except DefinitionError as e:
        _reject(f"{file}: workflow rejected:\n{e}")
    try:
        engine = Engine(env=env_vars, call_log_level=call_log_level, history_dir=data_dir)
    except ValueError as e:
        _reject(str(e))
    execution = engine.run(definition, argument, execution_id=execution_id)
    click.echo(f"execution {execution.execution_id}: {execution.state} in "
               f"{execution.end - execution.start:.3f}s, {len(execution.entries)} steps", err=True)
    if execution.state == "SUCCEEDED":
        click.echo(json.dumps(execution.result, ensure_ascii=False))
        sys.exit(0)
    click.echo(json.dumps(execution.error, ensure_ascii=False, default=repr))
    sys.exit(1)


@workflow.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check FILE as the service does at deploy time."""
    from bookgen.workflow import DefinitionError, load

    try:
        definition = load(file)
    except DefinitionError as e:
        _reject(f"{file}: workflow rejected:\n{e}")
    routines = ", ".join(definition.routines)
    click.echo(f"{file}: OK ({routines})")


@workflow.command()
@click.argument("execution_id", required=False)
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default="bookgen-data", show_default=True, help=DATA_DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def history(execution_id: str | None, data_dir: str, as_json: bool) -> None:
    """List executions, or show one execution's step entries."""
    from bookgen.workflow.history import HistoryStore

    store = HistoryStore(Path(data_dir))
    if execution_id is None:
        rows = store.list()
        if as_json:
            click.echo(json.dumps(rows))
            return
        for r in rows:
            click.echo(f"{r['executionId']}  {r['state']:<9}  {r['startTime']}  {r['duration']:>9.3f}s  "
                       f"{r['stepCount']:>6} steps  {r['workflow']}")
        return
    record = store.get(execution_id)
    if record is None:
        click.echo(f"no execution {execution_id!r} in {store.dir}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(record))
        return
    click.echo(f"{record['executionId']}  {record['state']}  {record['workflow']}  {record['duration']:.3f}s")
    for e in record["stepEntries"]:
        exc = "  " + e["exception"]["payload"][:120] if e.get("exception") else ""
        click.echo(f"{e['entryId']:>5}  {e['createTime']}  {e['updateTime']}  {e['threadId']:<10} "
                   f"{e['routine']}.{e['step']}  {e['stepType']}  {e['state']}{exc}")


def _argument(data: str | None):
    if data is None:
        return None
    text = data
    if data.startswith("@"):
        try:
            text = Path(data[1:]).read_text(encoding="utf-8")
        except OSError as e:
            _reject(f"--data: cannot read {data[1:]}: {e.strerror}")
    try:
        return json.loads(text)
    except ValueError as e:
        _reject(f"--data is not valid JSON: {e}")


def _env(pairs: tuple[str, ...]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _reject(f"--env expects K=V, got {pair!r}")
        env[key] = value
    return env


def _reject(message: str):
    click.echo(message, err=True)
    sys.exit(2)
