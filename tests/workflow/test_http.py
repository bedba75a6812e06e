"""http.get/post/put/patch/delete/request through the stdlib registry, against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.http import HttpxTransport
from bookgen.workflow.runtime import Runtime


def call(name: str, args: list[Any] | dict[str, Any], rt: Runtime | None = None) -> Any:
    f = stdlib.lookup(name)
    assert f is not None, name
    return f.impl(rt or Runtime(), *f.bind(args))


def raises(tag: str, name: str, args: dict[str, Any], rt: Runtime | None = None) -> dict[str, Any]:
    with pytest.raises(WorkflowError) as info:
        call(name, args, rt)
    assert info.value.tags == [tag], info.value.value
    return info.value.value


class Capture:
    """A pytest-httpserver handler that records the request and answers with a fixed response."""

    def __init__(self, response: Response | None = None):
        self.response = response or Response("{}", content_type="application/json")
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append({
            "method": request.method, "headers": dict(request.headers), "body": request.get_data(),
            "query": request.query_string.decode(), "args": request.args.to_dict(flat=False),
        })
        return self.response

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


# ----------------------------------------------------------------------------------------- responses


def test_get_parses_json_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data").respond_with_json({"a": 1, "b": [1, 2.5, None], "c": {"d": "é"}})
    res = call("http.get", {"url": httpserver.url_for("/data")})
    assert res["code"] == 200
    assert res["body"] == {"a": 1, "b": [1, 2.5, None], "c": {"d": "é"}}
    assert res["headers"]["Content-Type"] == "application/json"
    assert set(res) == {"body", "code", "headers"}


def test_positional_arguments(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_json([1, 2])
    assert call("http.get", [httpserver.url_for("/p"), 10])["body"] == [1, 2]


@pytest.mark.parametrize(("content_type", "data", "expected"), [
    ("text/plain; charset=utf-8", "héllo".encode(), "héllo"),
    ("text/html; charset=latin-1", "café".encode("latin-1"), "café"),
    ("application/octet-stream", b"\x00\x01\xff", b"\x00\x01\xff"),
    (None, b"raw", b"raw"),
    ("application/json", b"{not json", "{not json"),
    ("application/problem+json", b'{"title": "x"}', {"title": "x"}),
    ("application/json", b"", None),
    ("text/plain", b"", ""),
])
def test_response_body_decoding(httpserver: HTTPServer, content_type: str | None, data: bytes,
                                expected: Any) -> None:
    response = Response(data)
    if content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = content_type
    httpserver.expect_request("/b").respond_with_response(response)
    assert call("http.get", {"url": httpserver.url_for("/b")})["body"] == expected


def test_response_headers_are_canonical(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/h").respond_with_data("ok", headers={"x-custom-THING": "42"})
    headers = call("http.get", {"url": httpserver.url_for("/h")})["headers"]
    assert headers["X-Custom-Thing"] == "42"
    assert headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("status", [404, 500])
def test_http_error_carries_code_headers_body(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/e").respond_with_json({"error": "nope"}, status=status,
                                                      headers={"X-Reason": "test"})
    err = raises("HttpError", "http.get", {"url": httpserver.url_for("/e")})
    assert err["message"] == f"HTTP server responded with error code {status}"
    assert err["code"] == status
    assert err["body"] == {"error": "nope"}
    assert err["headers"]["X-Reason"] == "test"


def test_http_error_with_text_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/e").respond_with_data("server broke", status=503, content_type="text/plain")
    err = raises("HttpError", "http.post", {"url": httpserver.url_for("/e"), "body": {"x": 1}})
    assert (err["code"], err["body"]) == (503, "server broke")


def test_redirect_is_returned_not_followed(httpserver: HTTPServer) -> None:
    target = httpserver.url_for("/target")
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": target})
    httpserver.expect_request("/target").respond_with_json({"followed": True})
    res = call("http.get", {"url": httpserver.url_for("/moved")})
    assert res["code"] == 302
    assert res["headers"]["Location"] == target
    assert len(httpserver.log) == 1  # /target never requested


# ------------------------------------------------------------------------------------------ requests


def test_request_headers_and_user_agent(httpserver: HTTPServer) -> None:
    cap = Capture()
    httpserver.expect_request("/h").respond_with_handler(cap)
    call("http.get", {"url": httpserver.url_for("/h"), "headers": {"X-Api-Key": "k1"}})
    assert cap.last["headers"]["X-Api-Key"] == "k1"
    assert "GoogleCloudWorkflows" in cap.last["headers"]["User-Agent"]
    call("http.get", {"url": httpserver.url_for("/h"), "headers": {"User-Agent": "mine/1.0"}})
    assert cap.last["headers"]["User-Agent"].startswith("mine/1.0 GoogleCloudWorkflows")


def test_query_is_encoded_and_appended(httpserver: HTTPServer) -> None:
    cap = Capture()
    httpserver.expect_request("/q").respond_with_handler(cap)
    query = {"s": "a b&c=é", "n": 5, "f": 1.5, "t": True, "no": False, "l": ["x", 2]}
    call("http.get", {"url": httpserver.url_for("/q") + "?pre=1", "query": query})
    assert cap.last["args"] == {"pre": ["1"], "s": ["a b&c=é"], "n": ["5"], "f": ["1.5"], "t": ["true"],
                                "no": ["false"], "l": ["x", "2"]}
    assert cap.last["query"].startswith("pre=1&s=a+b%26c%3D%C3%A9&")


@pytest.mark.parametrize(("headers", "body", "content_type", "sent"), [
    (None, {"k": [1, "é"]}, "application/json; charset=utf-8", '{"k":[1,"é"]}'.encode()),
    (None, "plain", "application/json; charset=utf-8", b'"plain"'),
    (None, 42, "application/json; charset=utf-8", b"42"),
    (None, b"\x00\xff", "application/octet-stream", b"\x00\xff"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, {"a": "1 2", "b": [True, 3]},
     "application/x-www-form-urlencoded", b"a=1+2&b=true&b=3"),
    ({"content-type": "text/plain; charset=utf-8"}, "héllo", "text/plain; charset=utf-8", "héllo".encode()),
    ({"Content-Type": "text/plain; charset=latin-1"}, "café", "text/plain; charset=latin-1",
     "café".encode("latin-1")),
    ({"Content-Type": "application/json"}, {"a": None}, "application/json", b'{"a":null}'),
    ({"Content-Type": "application/json"}, "s", "application/json", b'"s"'),
    ({"Content-Type": "image/png"}, b"\x89PNG", "image/png", b"\x89PNG"),
])
def test_body_encoding(httpserver: HTTPServer, headers: dict[str, str] | None, body: Any,
                       content_type: str, sent: bytes) -> None:
    cap = Capture()
    httpserver.expect_request("/b", method="POST").respond_with_handler(cap)
    call("http.post", {"url": httpserver.url_for("/b"), "headers": headers, "body": body})
    assert cap.last["headers"]["Content-Type"] == content_type
    assert cap.last["body"] == sent


def test_no_body_sends_no_content_type(httpserver: HTTPServer) -> None:
    cap = Capture()
    httpserver.expect_request("/b").respond_with_handler(cap)
    call("http.post", {"url": httpserver.url_for("/b")})
    assert "Content-Type" not in cap.last["headers"]
    assert cap.last["body"] == b""


@pytest.mark.parametrize(("name", "args", "method"), [
    ("http.put", {}, "PUT"), ("http.patch", {}, "PATCH"), ("http.delete", {}, "DELETE"),
    ("http.request", {"method": "OPTIONS"}, "OPTIONS"), ("http.request", {"method": "post"}, "POST"),
    ("http.request", {"method": "HEAD"}, "HEAD"),
])
def test_methods(httpserver: HTTPServer, name: str, args: dict[str, Any], method: str) -> None:
    empty = Response(status=204)
    del empty.headers["Content-Type"]
    cap = Capture(empty)
    httpserver.expect_request("/m", method=method).respond_with_handler(cap)
    res = call(name, {**args, "url": httpserver.url_for("/m")})
    assert (res["code"], res["body"], cap.last["method"]) == (204, None, method)


# ---------------------------------------------------------------------------------------- failures


def test_timeout_error_on_slow_server(threaded_server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    threaded_server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    err = raises("TimeoutError", "http.get", {"url": threaded_server.url_for("/slow"), "timeout": 0.3})
    assert err["message"] == "request timed out"
    assert time.monotonic() - started < 0.9


def test_connection_failed_on_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    raises("ConnectionFailedError", "http.get", {"url": f"http://127.0.0.1:{port}/", "timeout": 5})


def test_connection_error_on_truncated_response() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        raises("ConnectionError", "http.get", {"url": url, "timeout": 5}, Runtime(transport=HttpxTransport()))
    finally:
        thread.join(5)
        listener.close()


@pytest.mark.parametrize(("args", "tag"), [
    ({"url": "http://x.test/", "timeout": 1801}, "ValueError"),
    ({"url": "http://x.test/", "timeout": 0}, "ValueError"),
    ({"url": "http://x.test/", "timeout": "5"}, "TypeError"),
    ({"url": 5}, "TypeError"),
    ({"url": "not a url"}, "ValueError"),
    ({"url": "http:///nohost"}, "ValueError"),
    ({"url": "http://x.test/", "headers": {"X-N": 1}}, "TypeError"),
    ({"url": "http://x.test/", "headers": ["a"]}, "TypeError"),
    ({"url": "http://x.test/", "query": {"a": {"nested": 1}}}, "TypeError"),
    ({"url": "http://x.test/", "query": {"a": None}}, "TypeError"),
    ({"url": "http://x.test/", "query": "a=1"}, "TypeError"),
    ({"url": "http://x.test/", "auth": {"type": "Basic"}}, "ValueError"),
    ({"url": "http://x.test/", "private_service_name": "projects/p/locations/l/namespaces/n/services/s"},
     "ValueError"),
    ({"url": "http://x.test/", "ca_certificate": b"\x30\x82"}, "ValueError"),
    ({"url": "http://x.test/", "ca_certificate": "PEM text"}, "ValueError"),
])
def test_argument_errors(args: dict[str, Any], tag: str) -> None:
    raises(tag, "http.get", args)


def test_request_method_errors() -> None:
    raises("ValueError", "http.request", {"method": "TRACE", "url": "http://x.test/"})
    raises("TypeError", "http.request", {"method": 1, "url": "http://x.test/"})
    with pytest.raises(WorkflowError):
        call("http.request", {"url": "http://x.test/"})  # method is required


def test_body_that_is_not_json_encodable() -> None:
    raises("ValueError", "http.post", {"url": "http://x.test/", "body": {"b": b"bytes inside"}})
    raises("ValueError", "http.post", {"url": "http://x.test/", "body": float("nan")})


def test_json_body_roundtrip_through_real_server(httpserver: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        return Response(request.get_data(), content_type="application/json")

    httpserver.expect_request("/echo").respond_with_handler(echo)
    payload = {"list": [1, 2.5, True, None, "x"], "map": {"k": "v"}}
    assert call("http.post", {"url": httpserver.url_for("/echo"), "body": payload})["body"] == payload
    assert json.loads(httpserver.log[-1][0].get_data()) == payload
