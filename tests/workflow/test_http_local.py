"""In-process routes (LocalRoutes), auth headers from a token provider, retry predicates and policies."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.http import (
    HttpRequest,
    HttpResponse,
    HttpxTransport,
    LocalRoutes,
    NoAuth,
    StaticTokenProvider,
    auth_headers,
)
from bookgen.workflow.runtime import Runtime
from bookgen.workflow.stdlib.http import POLICIES
from bookgen.workflow.values import FunctionRef


def call(name: str, args: list[Any] | dict[str, Any], rt: Runtime | None = None) -> Any:
    f = stdlib.lookup(name)
    assert f is not None, name
    prefix = [rt or Runtime()] if f.runtime else []
    return f.impl(*prefix, *f.bind(args))


class Recorder:
    def __init__(self, result: Any = None):
        self.result = result
        self.calls: list[tuple[str, str, dict[str, Any], dict[str, str], Any]] = []

    def __call__(self, method: str, path: str, query: dict[str, Any], headers: dict[str, str], body: Any) -> Any:
        self.calls.append((method, path, query, headers, body))
        return self.result


# -------------------------------------------------------------------------------------- local routes


def test_local_route_through_http_post() -> None:
    handler = Recorder({"ok": True, "n": 1})
    rt = Runtime(transport=LocalRoutes({"local://": handler}))
    res = call("http.post", {"url": "local://books/chapters/3?draft=1", "query": {"tag": ["a", "b"]},
                             "headers": {"X-Trace": "t1"}, "body": {"title": "Hi"}}, rt)
    assert res == {"body": {"ok": True, "n": 1}, "code": 200,
                   "headers": {"Content-Type": "application/json; charset=utf-8"}}
    method, path, query, headers, body = handler.calls[0]
    assert (method, path, query, body) == ("POST", "/books/chapters/3", {"draft": "1", "tag": ["a", "b"]},
                                           {"title": "Hi"})
    assert headers["x-trace"] == "t1"
    assert headers["content-type"] == "application/json; charset=utf-8"


def test_local_route_status_tuple_raises_http_error() -> None:
    rt = Runtime(transport=LocalRoutes({"local://": lambda *a: (409, {"error": "conflict"})}))
    with pytest.raises(WorkflowError) as info:
        call("http.get", {"url": "local://x"}, rt)
    assert info.value.value["code"] == 409
    assert info.value.value["body"] == {"error": "conflict"}


def test_local_route_handler_exception_is_500() -> None:
    def boom(*_: Any) -> Any:
        raise RuntimeError("kaput")

    routes = LocalRoutes({"local://": boom})
    resp = routes.send(HttpRequest("GET", "local://x"))
    assert resp.status == 500
    assert resp.headers["content-type"].startswith("application/json")
    assert b'"RuntimeError"' in resp.body and b"kaput" in resp.body
    with pytest.raises(WorkflowError) as info:
        call("http.get", {"url": "local://x"}, Runtime(transport=routes))
    assert info.value.value["body"] == {"error": "RuntimeError", "message": "kaput"}


@pytest.mark.parametrize("result", [(1, 2, 3, 4), (99, {}), ("200", {}), (True, {})])
def test_local_route_bad_return_is_500(result: Any) -> None:
    assert LocalRoutes({"l://": lambda *a: result}).send(HttpRequest("GET", "l://")).status == 500


def test_local_route_workflow_errors() -> None:
    def net(*_: Any) -> Any:
        raise error("ConnectionFailedError", "simulated outage")

    def other(*_: Any) -> Any:
        raise error("KeyError", "missing")

    with pytest.raises(WorkflowError) as info:
        LocalRoutes({"l://": net}).send(HttpRequest("GET", "l://"))
    assert info.value.tags == ["ConnectionFailedError"]
    assert LocalRoutes({"l://": other}).send(HttpRequest("GET", "l://")).status == 500


@pytest.mark.parametrize(("result", "status", "ctype", "body"), [
    ([1, 2], 200, "application/json; charset=utf-8", b"[1,2]"),
    ("text", 200, "application/json; charset=utf-8", b'"text"'),
    (None, 200, None, b""),
    ((201, None), 201, None, b""),
    ((202, b"\x00"), 202, "application/octet-stream", b"\x00"),
    ((200, {"a": 1}, {"X-Extra": "1"}), 200, "application/json; charset=utf-8", b'{"a":1}'),
    (HttpResponse(206, {"Content-Type": "text/plain"}, b"part"), 206, "text/plain", b"part"),
])
def test_local_route_return_forms(result: Any, status: int, ctype: str | None, body: bytes) -> None:
    resp = LocalRoutes({"l://": lambda *a: result}).send(HttpRequest("GET", "l://"))
    assert (resp.status, resp.headers.get("content-type"), resp.body) == (status, ctype, body)
    if isinstance(result, tuple) and len(result) == 3:
        assert resp.headers["x-extra"] == "1"


def test_local_route_request_body_decoding() -> None:
    rec = Recorder()
    routes = LocalRoutes({"l://": rec})
    routes.send(HttpRequest("PUT", "l://p", {"Content-Type": "text/plain"}, b"hi"))
    routes.send(HttpRequest("PUT", "l://p", {"Content-Type": "application/octet-stream"}, b"\x01"))
    routes.send(HttpRequest("PUT", "l://p", {"Content-Type": "application/json"}, b"[1]"))
    routes.send(HttpRequest("PUT", "l://p", {}, None))
    assert [c[4] for c in rec.calls] == ["hi", b"\x01", [1], None]


def test_longest_prefix_wins_and_fallback(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/net").respond_with_json({"from": "network"})
    routes = LocalRoutes({"local://": lambda *a: "short", "local://svc/": lambda m, p, *a: ["long", p]},
                         fallback=HttpxTransport())
    rt = Runtime(transport=routes)
    assert call("http.get", {"url": "local://svc/a/b"}, rt)["body"] == ["long", "/a/b"]
    assert call("http.get", {"url": "local://other"}, rt)["body"] == "short"
    assert call("http.get", {"url": httpserver.url_for("/net")}, rt)["body"] == {"from": "network"}


def test_no_route_and_no_fallback() -> None:
    with pytest.raises(WorkflowError) as info:
        LocalRoutes({}).send(HttpRequest("GET", "http://nowhere.test/"))
    assert info.value.tags == ["ConnectionFailedError"]


def test_local_route_slower_than_timeout() -> None:
    def slow(*_: Any) -> Any:
        time.sleep(0.2)
        return {}

    with pytest.raises(WorkflowError) as info:
        call("http.get", {"url": "local://x", "timeout": 0.05}, Runtime(transport=LocalRoutes({"local://": slow})))
    assert info.value.tags == ["TimeoutError"]


def test_mount() -> None:
    routes = LocalRoutes()
    routes.mount("local://m/", lambda *a: "mounted")
    assert routes.send(HttpRequest("GET", "local://m/x")).body == b'"mounted"'


# ---------------------------------------------------------------------------------------------- auth


def authorized(args: dict[str, Any], provider: Any) -> tuple[dict[str, str], Any]:
    rec = Recorder({})
    call("http.get", args, Runtime(transport=LocalRoutes({"local://": rec}), token_provider=provider))
    return rec.calls[0][3], provider


def test_oidc_token_with_default_audience() -> None:
    headers, provider = authorized({"url": "local://svc/run?x=1", "auth": {"type": "OIDC"}},
                                   StaticTokenProvider("tok-1"))
    assert headers["authorization"] == "Bearer tok-1"
    assert provider.calls == [("OIDC", "local://svc/run", None)]


def test_oidc_explicit_audience_and_header_override() -> None:
    headers, provider = authorized({"url": "local://svc/run", "headers": {"authorization": "Bearer old"},
                                    "auth": {"type": "OIDC", "audience": "https://svc.example"}},
                                   StaticTokenProvider("new"))
    assert headers["authorization"] == "Bearer new"
    assert provider.calls[0][1] == "https://svc.example"


@pytest.mark.parametrize(("auth", "scopes"), [
    ({"type": "OAuth2"}, ["https://www.googleapis.com/auth/cloud-platform"]),
    ({"type": "OAuth2", "scopes": "a b,c"}, ["a", "b", "c"]),
    ({"type": "OAuth2", "scopes": ["x"]}, ["x"]),
    ({"type": "OAuth2", "scope": "only"}, ["only"]),
])
def test_oauth2_scopes(auth: dict[str, Any], scopes: list[str]) -> None:
    _, provider = authorized({"url": "local://api", "auth": auth}, StaticTokenProvider())
    assert provider.calls == [("OAuth2", None, scopes)]


def test_no_auth_sends_no_header() -> None:
    headers, _ = authorized({"url": "local://api", "auth": {"type": "OIDC"}}, None)
    assert "authorization" not in headers
    headers, _ = authorized({"url": "local://api"}, StaticTokenProvider())
    assert "authorization" not in headers  # no `auth:` -> no token, whatever the provider
    assert auth_headers(NoAuth(), "OAuth2", "https://x") == {}


def test_provider_failure_is_auth_error() -> None:
    class Broken:
        def token(self, *_: Any) -> str:
            raise OSError("metadata server unreachable")

    with pytest.raises(WorkflowError) as info:
        authorized({"url": "local://api", "auth": {"type": "OAuth2"}}, Broken())
    assert info.value.tags == ["AuthError"]


def test_auth_argument_types() -> None:
    for auth, tag in [("OIDC", "TypeError"), ({"type": "OIDC", "audience": 3}, "TypeError"),
                      ({"type": "OAuth2", "scopes": [1]}, "TypeError"), ({}, "ValueError")]:
        with pytest.raises(WorkflowError) as info:
            authorized({"url": "local://api", "auth": auth}, StaticTokenProvider())
        assert info.value.tags == [tag]


# --------------------------------------------------------------------------------- retry predicates


def http_error(code: int) -> dict[str, Any]:
    return {"message": f"HTTP server responded with error code {code}", "tags": ["HttpError"], "code": code}


CASES = [(http_error(c), c in (429, 502, 503, 504), c in (429, 503))
         for c in (200, 400, 404, 429, 500, 501, 502, 503, 504)]
CASES += [({"message": "m", "tags": [tag]}, tag != "ValueError", tag == "ConnectionFailedError")
          for tag in ("ConnectionError", "ConnectionFailedError", "TimeoutError", "ValueError")]
CASES += [("a raised string", False, False), ({"code": 503}, False, False), ({"tags": "HttpError"}, False, False),
          (None, False, False), ({"tags": ["HttpError"], "code": True}, False, False)]


@pytest.mark.parametrize(("e", "idempotent", "non_idempotent"), CASES)
def test_default_retry_predicates(e: Any, idempotent: bool, non_idempotent: bool) -> None:
    assert call("http.default_retry_predicate", [e]) is idempotent
    assert call("http.default_retry_predicate_non_idempotent", {"exception": e}) is non_idempotent


def test_predicates_are_plain_functions() -> None:
    f = stdlib.lookup("http.default_retry_predicate")
    assert f is not None and not f.blocking and not f.runtime and f.params == ("exception",)


def test_policies() -> None:
    backoff = {"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}
    assert POLICIES == {
        "http.default_retry": {"predicate": FunctionRef("http.default_retry_predicate"), "max_retries": 5,
                               "backoff": backoff},
        "http.default_retry_non_idempotent": {
            "predicate": FunctionRef("http.default_retry_predicate_non_idempotent"), "max_retries": 5,
            "backoff": backoff},
    }
    for policy in POLICIES.values():
        assert stdlib.lookup(policy["predicate"].name) is not None
    assert stdlib.lookup("http.default_retry") is None  # a policy value, not a function
