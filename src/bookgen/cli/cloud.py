"""`bookgen cloud run|history`: the book workflow on Google Cloud Workflows, from the shell.

Contract (the same as `bookgen workflow run`): `run` exits 0 with the result as JSON on the last line of stdout;
1 with the error map as JSON on the last line of stdout when the execution fails, is cancelled, or is still
running when `--timeout` ends (it keeps running; the line then says so); 2 with the reason on stderr when the
request or the command line is rejected before an execution exists (an invalid request names its field).

Executions are created and read with `google-cloud-workflows` (`executions_v1.ExecutionsClient`, gRPC); that
client has no step-entries method, so `history ID` reads them from the REST API with an authorized session.
Credentials are Application Default Credentials (`gcloud auth application-default login`).
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from google.cloud.workflows.executions_v1 import Execution, ExecutionsClient

EXECUTIONS_API = "https://workflowexecutions.googleapis.com/v1"
MAX_ARGUMENT_BYTES = 32 * 1024  # Workflows' limit on an execution argument
RUNNING = ("ACTIVE", "QUEUED", "STATE_UNSPECIFIED")
_sleep = time.sleep  # the waiting loop's clock, replaced in tests
_now = time.monotonic


class CloudExecutions:
    """The executions of one deployed workflow: create, get, list (gapic client), step entries (REST)."""

    def __init__(self, project: str, location: str, workflow: str, client: ExecutionsClient,
                 session: Any, rest_base: str = EXECUTIONS_API):
        self.client, self.session, self.rest_base = client, session, rest_base.rstrip("/")
        self.parent = client.workflow_path(project, location, workflow)

    def name(self, execution_id: str) -> str:
        """A full execution name from an id (a full name is returned as is)."""
        return execution_id if execution_id.startswith("projects/") else f"{self.parent}/executions/{execution_id}"

    def create(self, argument: str, labels: dict[str, str]) -> Execution:
        from google.cloud.workflows.executions_v1 import Execution

        return self.client.create_execution(parent=self.parent,
                                            execution=Execution(argument=argument, labels=labels))

    def get(self, name: str) -> Execution:
        return self.client.get_execution(name=name)

    def recent(self, limit: int) -> list[Execution]:
        pager = self.client.list_executions(request={"parent": self.parent, "page_size": min(limit, 1000)})
        return list(itertools.islice(pager, limit))

    def step_entries(self, name: str, max_pages: int = 50) -> list[dict[str, Any]]:
        """Step entries in entryId order (REST `executions.stepEntries.list`, paged)."""
        entries: list[dict[str, Any]] = []
        token = ""
        for _ in range(max_pages):
            params = {"pageSize": 1000, **({"pageToken": token} if token else {})}
            response = self.session.get(f"{self.rest_base}/{name}/stepEntries", params=params, timeout=60)
            response.raise_for_status()
            body = response.json()
            entries.extend(body.get("stepEntries", []))
            token = body.get("nextPageToken", "")
            if not token:
                break
        return entries

    def wait(self, name: str, timeout: float) -> Execution | None:
        """Poll until the execution is no longer running (backoff 1 s × 1.5 up to 10 s, a last poll at the
        deadline); None on timeout.
        Transient API errors while polling are waited out like a running state."""
        from google.api_core import exceptions as gexc

        deadline, delay = _now() + timeout, 1.0
        while True:
            try:
                execution = self.get(name)
                if execution.state.name not in RUNNING:
                    return execution
            except (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError,
                    gexc.TooManyRequests) as e:
                click.echo(f"polling {name}: {type(e).__name__}: {e.message}; retrying", err=True)
            remaining = deadline - _now()
            if remaining <= 0:
                return None
            _sleep(min(delay, remaining))
            delay = min(delay * 1.5, 10.0)


def connect(project: str, location: str, workflow: str) -> CloudExecutions:
    """Clients with Application Default Credentials (the one place tests replace)."""
    import google.auth
    from google.auth.transport.requests import AuthorizedSession
    from google.cloud.workflows.executions_v1 import ExecutionsClient

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return CloudExecutions(project, location, workflow, ExecutionsClient(credentials=credentials),
                           AuthorizedSession(credentials))


def _target(function: Any) -> Any:
    for option in reversed((
        click.option("--project", envvar="BOOKGEN_GCP_PROJECT", required=True,
                     help="Google Cloud project (env BOOKGEN_GCP_PROJECT)."),
        click.option("--location", envvar="BOOKGEN_GCP_LOCATION", default="us-central1", show_default=True,
                     help="Region of the workflow (env BOOKGEN_GCP_LOCATION)."),
        click.option("--workflow", envvar="BOOKGEN_GCP_WORKFLOW", default="book", show_default=True,
                     help="Name of the deployed workflow (env BOOKGEN_GCP_WORKFLOW)."),
    )):
        function = option(function)
    return function


@click.group()
def cloud() -> None:
    """Run and inspect the book workflow on Google Cloud Workflows."""


@cloud.command()
@click.argument("request_file", type=click.Path(dir_okay=False))
@_target
@click.option("--wait/--no-wait", default=True, help="Wait for the result (default), or print the "
              "execution and return.")
@click.option("--timeout", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Seconds to wait for the execution; it keeps running after.")
def run(request_file: str, project: str, location: str, workflow: str, wait: bool, timeout: float) -> None:
    """Start one execution for the book in REQUEST_FILE (JSON) and print its result."""
    from bookgen.errors import InvalidRequest
    from bookgen.validation import read_request_file

    try:
        text, request = read_request_file(request_file)
    except InvalidRequest as e:
        _fail(2, str(e))
    argument = json.dumps({"request": json.loads(text)}, ensure_ascii=False, separators=(",", ":"))
    if len(argument.encode("utf-8")) > MAX_ARGUMENT_BYTES:
        _fail(2, f"{request_file}: the execution argument would be {len(argument.encode('utf-8'))} bytes; "
                 f"Workflows accepts at most {MAX_ARGUMENT_BYTES}")
    book_id = request.derived_book_id()
    executions = _connect(project, location, workflow)
    try:
        execution = executions.create(argument, {"app": "bookgen", "book": book_id[:63]})
    except Exception as e:
        _api_failure(e, f"could not create an execution of {executions.parent}")
    execution_id = execution.name.rsplit("/", 1)[-1]
    click.echo(f"execution {execution_id} of {workflow} ({location}): book {book_id}", err=True)
    if not wait:
        click.echo(json.dumps({"execution": execution.name, "executionId": execution_id,
                               "state": execution.state.name, "book_id": book_id}))
        sys.exit(0)
    finished = executions.wait(execution.name, timeout)
    if finished is None:
        click.echo(f"execution {execution_id} still running after {timeout:g}s; `bookgen cloud history "
                   f"{execution_id}` shows it later", err=True)
        click.echo(json.dumps({"error": "Timeout", "execution": execution.name, "state": "ACTIVE"}))
        sys.exit(1)
    _finish(finished, execution_id)


def _finish(execution: Execution, execution_id: str) -> NoReturn:
    state = execution.state.name
    seconds = execution.duration.total_seconds() if execution.duration else 0.0
    click.echo(f"execution {execution_id}: {state} in {seconds:.3f}s", err=True)
    if state == "SUCCEEDED":
        click.echo(_compact(execution.result))
        sys.exit(0)
    if execution.error.context:
        click.echo(execution.error.context, err=True)
    click.echo(f"`bookgen cloud history {execution_id}` shows its steps", err=True)
    click.echo(_compact(execution.error.payload) if execution.error.payload
               else json.dumps({"error": state, "execution": execution.name}))
    sys.exit(1)


@cloud.command()
@click.argument("execution_id", required=False)
@_target
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Executions to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def history(execution_id: str | None, project: str, location: str, workflow: str, limit: int,
            as_json: bool) -> None:
    """List recent executions, or show one execution and its step entries."""
    executions = _connect(project, location, workflow)
    if execution_id is None:
        try:
            rows = [_as_dict(e) for e in executions.recent(limit)]
        except Exception as e:
            _api_failure(e, f"could not list the executions of {executions.parent}")
        if as_json:
            click.echo(json.dumps(rows))
            return
        for r in rows:
            click.echo(f"{r['name'].rsplit('/', 1)[-1]}  {r.get('state', '?'):<9}  {r.get('startTime', '-')}  "
                       f"{r.get('duration', '-'):>12}  {r.get('labels', {}).get('book', '')}")
        return
    name = executions.name(execution_id)
    try:
        record = _as_dict(executions.get(name))
    except Exception as e:
        _api_failure(e, f"no execution {execution_id!r} of {executions.parent}")
    try:
        entries = executions.step_entries(name)
    except Exception as e:  # history needs execution history enabled; the execution itself is still shown
        click.echo(f"step entries unavailable: {type(e).__name__}: {e}", err=True)
        entries = []
    if as_json:
        click.echo(json.dumps({**record, "stepEntries": entries}))
        return
    click.echo(f"{name.rsplit('/', 1)[-1]}  {record.get('state')}  {record.get('duration', '-')}  "
               f"{record.get('startTime', '-')}")
    for entry in entries:
        exc = "  " + json.dumps(entry["exception"])[:120] if entry.get("exception") else ""
        click.echo(f"{entry.get('entryId', '?'):>5}  {entry.get('createTime', '-')}  {entry.get('updateTime', '-')}  "
                   f"{entry.get('routine', '')}.{entry.get('step', '')}  {entry.get('stepType', '')}  "
                   f"{entry.get('state', '')}{exc}")


# -------------------------------------------------------------------------------------------------- helpers
def _connect(project: str, location: str, workflow: str) -> CloudExecutions:
    try:
        return connect(project, location, workflow)
    except Exception as e:  # no ADC, or a broken client configuration
        _fail(2, f"cannot reach Cloud Workflows: {type(e).__name__}: {e}")


def _as_dict(execution: Execution) -> dict[str, Any]:
    """An execution as the REST API shows it (camelCase, enum names)."""
    return json.loads(type(execution).to_json(execution, use_integers_for_enums=False, indent=None))


def _compact(text: str) -> str:
    """A JSON string from the API re-encoded on one line (text that is not JSON is printed as a JSON string)."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return json.dumps(text, ensure_ascii=False)


def _api_failure(error: Exception, what: str) -> NoReturn:
    """2 when retrying cannot help (not found, denied, invalid); 1 for transient API failures."""
    from google.api_core import exceptions as gexc

    if isinstance(error, gexc.GoogleAPICallError):
        transient = isinstance(error, (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError,
                                       gexc.TooManyRequests))
        _fail(1 if transient else 2, f"{what}: {type(error).__name__}: {error.message}")
    raise error


def _fail(code: int, message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)
