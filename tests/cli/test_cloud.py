"""`bookgen cloud run|history` with the real `ExecutionsClient` against a local fake of the Executions API.

google-cloud-workflows 1.24 ships only gRPC transports for `executions_v1` (no REST), so the fake is a gRPC
server speaking `google.cloud.workflows.executions.v1.Executions` with the library's own message types; the
client reaches it through `client_options={"api_endpoint": ...}` and AnonymousCredentials (over a plaintext
channel). Step entries are REST only: a pytest-httpserver stands in for that endpoint."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from click.testing import CliRunner
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud.workflows.executions_v1 import (
    CreateExecutionRequest,
    Execution,
    ExecutionsClient,
    GetExecutionRequest,
    ListExecutionsRequest,
    ListExecutionsResponse,
)
from google.cloud.workflows.executions_v1.services.executions.transports import ExecutionsGrpcTransport
from pytest_httpserver import HTTPServer

from bookgen.cli.cloud import CloudExecutions, cloud

cloud_module = importlib.import_module("bookgen.cli.cloud")  # the module, whatever `bookgen.cli.cloud` names

PARENT = "projects/p/locations/europe-west1/workflows/book"
REQUEST = {"reader": {"name": "Maya", "age": 7, "interests": ["dinosaurs"]}, "genre": "adventure",
           "chapters": 3, "words_per_chapter": 150}
TARGET = ["--project", "p", "--location", "europe-west1", "--workflow", "book"]


class FakeExecutions:
    """The Executions service: records requests; `gets` scripts what successive GetExecution calls answer
    (an Execution, or a grpc.StatusCode to fail with)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.gets: list[Execution | grpc.StatusCode] = []
        self.listed: list[Execution] = []
        self.create_error: grpc.StatusCode | None = None

    def create(self, request: CreateExecutionRequest, context: grpc.ServicerContext) -> Execution:
        self.requests.append(("create", request))
        if self.create_error is not None:
            context.abort(self.create_error, "workflow not found")
        execution = Execution(request.execution)
        execution.name = f"{request.parent}/executions/ex-1"
        execution.state = Execution.State.ACTIVE
        return execution

    def get(self, request: GetExecutionRequest, context: grpc.ServicerContext) -> Execution:
        self.requests.append(("get", request))
        answer = self.gets.pop(0) if len(self.gets) > 1 else self.gets[0]
        if isinstance(answer, grpc.StatusCode):
            context.abort(answer, "scripted failure")
        return Execution(answer, name=request.name)

    def list(self, request: ListExecutionsRequest, context: grpc.ServicerContext) -> ListExecutionsResponse:
        self.requests.append(("list", request))
        return ListExecutionsResponse(executions=self.listed[:request.page_size])

    def handler(self) -> grpc.GenericRpcHandler:
        def method(fn: Any, request_type: Any, response_type: Any) -> grpc.RpcMethodHandler:
            return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=request_type.deserialize,
                                                       response_serializer=response_type.serialize)

        return grpc.method_handlers_generic_handler("google.cloud.workflows.executions.v1.Executions", {
            "CreateExecution": method(self.create, CreateExecutionRequest, Execution),
            "GetExecution": method(self.get, GetExecutionRequest, Execution),
            "ListExecutions": method(self.list, ListExecutionsRequest, ListExecutionsResponse),
        })


@pytest.fixture
def service() -> Iterator[tuple[FakeExecutions, str]]:
    fake = FakeExecutions()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((fake.handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield fake, f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


@pytest.fixture
def executions(service: tuple[FakeExecutions, str], httpserver: HTTPServer,
               monkeypatch: pytest.MonkeyPatch) -> FakeExecutions:
    """`bookgen cloud` wired to the fakes: the real client, a plaintext channel, a fake clock."""
    fake, address = service

    def plaintext(**kwargs: Any) -> ExecutionsGrpcTransport:
        return ExecutionsGrpcTransport(host=kwargs["host"], channel=grpc.insecure_channel(kwargs["host"]))

    def connect(project: str, location: str, workflow: str) -> CloudExecutions:
        client = ExecutionsClient(credentials=AnonymousCredentials(), client_options={"api_endpoint": address},
                                  transport=plaintext)
        return CloudExecutions(project, location, workflow, client, AuthorizedSession(AnonymousCredentials()),
                               rest_base=httpserver.url_for("/v1"))

    clock = {"now": 0.0}
    fake.sleeps = []  # type: ignore[attr-defined]

    def sleep(seconds: float) -> None:
        fake.sleeps.append(seconds)  # type: ignore[attr-defined]
        clock["now"] += seconds

    monkeypatch.setattr(cloud_module, "connect", connect)
    monkeypatch.setattr(cloud_module, "_sleep", sleep)
    monkeypatch.setattr(cloud_module, "_now", lambda: clock["now"])
    return fake


def request_file(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "request.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cloud, list(args), catch_exceptions=False)


def done(state: str, **fields: Any) -> Execution:
    return Execution(state=Execution.State[state], duration={"seconds": 42}, **fields)


# ------------------------------------------------------------------------------------------ run
def test_run_creates_an_execution_polls_it_and_prints_the_result(executions: FakeExecutions,
                                                                 tmp_path: Path) -> None:
    result = {"book_id": "maya-adventure", "status": "ready", "manifest": "gs://b/processed/m.json"}
    executions.gets = [done("ACTIVE"), done("QUEUED"), done("ACTIVE"), done("SUCCEEDED", result=json.dumps(result))]
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout.strip().splitlines()[-1]) == result
    kind, create = executions.requests[0]
    assert kind == "create" and create.parent == PARENT
    assert isinstance(create.execution.argument, str)  # the argument is a JSON *string*
    assert json.loads(create.execution.argument) == {"request": REQUEST}
    assert dict(create.execution.labels)["app"] == "bookgen"
    gets = [r for k, r in executions.requests if k == "get"]
    assert len(gets) == 4 and {g.name for g in gets} == {f"{PARENT}/executions/ex-1"}
    assert executions.sleeps == [1.0, 1.5, 2.25]  # backoff between polls
    assert "ex-1" in out.stderr and "SUCCEEDED" in out.stderr


def test_a_failed_execution_exits_1_with_the_error_payload(executions: FakeExecutions, tmp_path: Path) -> None:
    payload = {"message": "HTTP server responded with error code 500", "tags": ["HttpError"]}
    executions.gets = [done("FAILED", error={"payload": json.dumps(payload), "context": "in step outline"})]
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET)
    assert out.exit_code == 1
    assert json.loads(out.stdout.strip().splitlines()[-1]) == payload
    assert "in step outline" in out.stderr and "bookgen cloud history ex-1" in out.stderr


def test_a_cancelled_execution_exits_1(executions: FakeExecutions, tmp_path: Path) -> None:
    executions.gets = [done("CANCELLED")]
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET)
    assert out.exit_code == 1
    assert json.loads(out.stdout.strip().splitlines()[-1])["error"] == "CANCELLED"


def test_transient_errors_while_polling_are_waited_out(executions: FakeExecutions, tmp_path: Path) -> None:
    executions.gets = [grpc.StatusCode.UNAVAILABLE, done("SUCCEEDED", result='"ok"')]
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET)
    assert out.exit_code == 0, out.output
    assert out.stdout.strip().splitlines()[-1] == '"ok"'
    assert "ServiceUnavailable" in out.stderr


def test_waiting_is_bounded_by_the_timeout(executions: FakeExecutions, tmp_path: Path) -> None:
    executions.gets = [done("ACTIVE")]
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET, "--timeout", "60")
    assert out.exit_code == 1
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"error": "Timeout", "state": "ACTIVE",
                                                                "execution": f"{PARENT}/executions/ex-1"}
    assert sum(executions.sleeps) == pytest.approx(60) and max(executions.sleeps) == 10.0
    assert len([r for k, r in executions.requests if k == "get"]) == len(executions.sleeps) + 1


def test_no_wait_returns_after_creating(executions: FakeExecutions, tmp_path: Path) -> None:
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET, "--no-wait")
    assert out.exit_code == 0
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert line["executionId"] == "ex-1" and line["state"] == "ACTIVE"
    assert [k for k, _ in executions.requests] == ["create"]


@pytest.mark.parametrize(("data", "message"), [
    ({**REQUEST, "chapters": 0}, "chapters"),
    ({"genre": "adventure"}, "reader"),
    ("{not json", "not valid JSON"),
])
def test_an_invalid_request_exits_2_naming_the_field_and_creates_nothing(
        executions: FakeExecutions, tmp_path: Path, data: Any, message: str) -> None:
    out = invoke("run", request_file(tmp_path, data), *TARGET)
    assert out.exit_code == 2
    assert message in out.stderr
    assert executions.requests == []


def test_a_workflow_that_does_not_exist_exits_2(executions: FakeExecutions, tmp_path: Path) -> None:
    executions.create_error = grpc.StatusCode.NOT_FOUND
    out = invoke("run", request_file(tmp_path, REQUEST), *TARGET)
    assert out.exit_code == 2 and "NotFound" in out.stderr and "workflow not found" in out.stderr
    assert [k for k, _ in executions.requests] == ["create"]


def test_the_project_is_required(tmp_path: Path) -> None:
    out = CliRunner().invoke(cloud, ["run", request_file(tmp_path, REQUEST)], env={"BOOKGEN_GCP_PROJECT": ""})
    assert out.exit_code == 2 and "--project" in out.output


# ------------------------------------------------------------------------------------------ history
def test_history_lists_executions(executions: FakeExecutions) -> None:
    executions.listed = [Execution(name=f"{PARENT}/executions/ex-{i}", state=Execution.State.SUCCEEDED,
                                   labels={"book": f"b{i}"}, duration={"seconds": i}) for i in (2, 1)]
    out = invoke("history", *TARGET, "--limit", "5")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ex-2", "ex-1"] and "SUCCEEDED" in lines[0] and "b2" in lines[0]
    (kind, request), = executions.requests
    assert kind == "list" and request.parent == PARENT and request.page_size == 5
    rows = json.loads(invoke("history", *TARGET, "--json").stdout)
    assert [(r["name"].rsplit("/", 1)[-1], r["state"], r["duration"]) for r in rows] == [
        ("ex-2", "SUCCEEDED", "2s"), ("ex-1", "SUCCEEDED", "1s")]


def test_history_of_one_execution_reads_step_entries_over_rest(executions: FakeExecutions,
                                                               httpserver: HTTPServer) -> None:
    name = f"{PARENT}/executions/ex-1"
    executions.gets = [done("SUCCEEDED", result="{}")]
    entry = {"name": f"{name}/stepEntries/1", "entryId": "1", "routine": "main", "step": "init",
             "stepType": "STEP_ASSIGN", "state": "STATE_SUCCEEDED", "createTime": "2026-03-01T10:00:00Z"}
    failed = {**entry, "entryId": "2", "step": "outline", "stepType": "STEP_CALL", "state": "STATE_FAILED",
              "exception": {"payload": "{\"message\": \"boom\"}"}}
    httpserver.expect_ordered_request(f"/v1/{name}/stepEntries", query_string={"pageSize": "1000"}) \
        .respond_with_json({"stepEntries": [entry], "nextPageToken": "t2"})
    httpserver.expect_ordered_request(f"/v1/{name}/stepEntries", query_string={"pageSize": "1000",
                                                                              "pageToken": "t2"}) \
        .respond_with_json({"stepEntries": [failed]})
    out = invoke("history", "ex-1", *TARGET, "--json")
    assert out.exit_code == 0, out.output
    record = json.loads(out.stdout)
    assert record["name"] == name and record["state"] == "SUCCEEDED"
    assert record["stepEntries"] == [entry, failed]
    httpserver.check_assertions()
    (_, get), = [r for r in executions.requests if r[0] == "get"]
    assert get.name == name


def test_history_table_and_missing_step_history(executions: FakeExecutions, httpserver: HTTPServer) -> None:
    name = f"{PARENT}/executions/ex-1"
    executions.gets = [done("FAILED")]
    httpserver.expect_request(f"/v1/{name}/stepEntries").respond_with_json(
        {"error": {"code": 403, "message": "denied"}}, status=403)
    out = invoke("history", name, *TARGET)  # a full name works as well as an id
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("ex-1  FAILED  42s")
    assert "step entries unavailable" in out.stderr and "403" in out.stderr


def test_history_of_an_unknown_execution_exits_2(executions: FakeExecutions) -> None:
    executions.gets = [grpc.StatusCode.NOT_FOUND]
    out = invoke("history", "nope", *TARGET)
    assert out.exit_code == 2 and "no execution 'nope'" in out.stderr


def test_connect_uses_application_default_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.auth

    scopes_seen: list[Any] = []

    def default(scopes: Any = None, **kwargs: Any) -> tuple[Any, str]:
        scopes_seen.append(scopes)
        return AnonymousCredentials(), "p"

    monkeypatch.setattr(google.auth, "default", default)
    backend = cloud_module.connect("p", "europe-west1", "book")
    assert backend.parent == PARENT and backend.rest_base == "https://workflowexecutions.googleapis.com/v1"
    assert isinstance(backend.client, ExecutionsClient) and isinstance(backend.session, AuthorizedSession)
    assert scopes_seen == [["https://www.googleapis.com/auth/cloud-platform"]]
    assert backend.name("ex-9") == f"{PARENT}/executions/ex-9" and backend.name(f"{PARENT}/executions/x") \
        == f"{PARENT}/executions/x"
