"""HTTP call steps inside workflows against a real local server: retries with the built-in policies, HttpError
reaching `except`, timeouts, JSON bodies, headers (https://cloud.google.com/workflows/docs/reference/stdlib/http/get,
https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads


def run(source: str, url: str, sleep: Any = None) -> Any:
    engine = Engine(sleep=sleep or (lambda s: None))
    return engine.run(loads(source), {"url": url})


class Script:
    """Answers requests with a list of (status, json body) in turn, then the last one forever."""

    def __init__(self, *responses: tuple[int, Any]):
        self.responses = list(responses)
        self.count = 0

    def __call__(self, request: Request) -> Response:
        status, body = self.responses[min(self.count, len(self.responses) - 1)]
        self.count += 1
        return Response(json.dumps(body), status=status, content_type="application/json")


GET_WITH_RETRY = """
main:
  params: [args]
  steps:
    - fetch:
        try:
          call: http.get
          args:
            url: ${args.url}
          result: r
        retry: ${http.default_retry}
        except:
          as: e
          steps:
            - failed:
                return: {"tags": "${e.tags}", "code": "${e.code}", "body": "${e.body}"}
    - ok:
        return: ${r.body}
"""


def test_default_retry_retries_503_then_succeeds(httpserver: HTTPServer) -> None:
    script = Script((503, {"e": 1}), (503, {"e": 2}), (200, {"done": True}))
    httpserver.expect_request("/flaky").respond_with_handler(script)
    delays: list[float] = []
    execution = run(GET_WITH_RETRY, httpserver.url_for("/flaky"), delays.append)
    assert execution.state == "SUCCEEDED", execution.error
    assert execution.result == {"done": True}
    assert script.count == 3
    assert delays == pytest.approx([1, 1.25])


def test_default_retry_gives_up_after_five_retries(httpserver: HTTPServer) -> None:
    script = Script((503, {"busy": True}))
    httpserver.expect_request("/down").respond_with_handler(script)
    delays: list[float] = []
    execution = run(GET_WITH_RETRY, httpserver.url_for("/down"), delays.append)
    assert execution.result == {"tags": ["HttpError"], "code": 503, "body": {"busy": True}}
    assert script.count == 6
    assert len(delays) == 5


def test_default_retry_does_not_retry_500(httpserver: HTTPServer) -> None:
    script = Script((500, {"error": "broken"}))
    httpserver.expect_request("/broken").respond_with_handler(script)
    delays: list[float] = []
    execution = run(GET_WITH_RETRY, httpserver.url_for("/broken"), delays.append)
    assert execution.state == "SUCCEEDED", execution.error
    assert execution.result == {"tags": ["HttpError"], "code": 500, "body": {"error": "broken"}}
    assert script.count == 1
    assert delays == []


def test_unhandled_http_error_fails_execution(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_json({"why": "gone"}, status=404)
    source = """
main:
  params: [args]
  steps:
    - fetch:
        call: http.get
        args:
          url: ${args.url}
"""
    execution = run(source, httpserver.url_for("/missing"))
    assert execution.state == "FAILED"
    assert execution.error["tags"] == ["HttpError"]
    assert (execution.error["code"], execution.error["body"]) == (404, {"why": "gone"})


def test_timeout_raises_timeout_error(threaded_server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    threaded_server.expect_request("/slow").respond_with_handler(slow)
    source = """
main:
  params: [args]
  steps:
    - fetch:
        try:
          call: http.get
          args:
            url: ${args.url}
            timeout: 0.3
        except:
          as: e
          steps:
            - caught:
                return: ${e.tags}
"""
    started = time.monotonic()
    execution = run(source, threaded_server.url_for("/slow"))
    assert execution.result == ["TimeoutError"]
    assert time.monotonic() - started < 0.9


def test_json_body_headers_and_query_round_trip(httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def echo(request: Request) -> Response:
        seen.append(request)
        body = {"got": request.get_json(), "q": request.args.get("page")}
        return Response(json.dumps(body), content_type="application/json",
                        headers={"X-Request-Id": "r-42"})

    httpserver.expect_request("/echo", method="POST").respond_with_handler(echo)
    source = """
main:
  params: [args]
  steps:
    - send:
        call: http.post
        args:
          url: ${args.url}
          headers:
            X-Book: "b1"
          query:
            page: 3
          body:
            title: "Hi"
            tags: ["a", "b"]
        result: r
    - done:
        return:
          code: ${r.code}
          body: ${r.body}
          request_id: ${r.headers["X-Request-Id"]}
"""
    execution = run(source, httpserver.url_for("/echo"))
    assert execution.state == "SUCCEEDED", execution.error
    assert execution.result == {"code": 200, "body": {"got": {"title": "Hi", "tags": ["a", "b"]}, "q": "3"},
                                "request_id": "r-42"}
    assert seen[0].headers["X-Book"] == "b1"
    assert seen[0].headers["Content-Type"] == "application/json; charset=utf-8"
