"""HttpxTransport against a real local server: pooling under concurrency, headers, error mapping."""

from __future__ import annotations

import gzip
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.http import USER_AGENT, HttpRequest, HttpxTransport
from bookgen.workflow.stdlib.http import default_transport


@pytest.fixture
def transport():
    t = HttpxTransport()
    yield t
    t.close()


def test_twenty_concurrent_requests_share_the_pool(threaded_server: HTTPServer, transport: HttpxTransport) -> None:
    lock = threading.Lock()
    active = peak = 0

    def slow(request: Request) -> Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        return Response('{"ok": true}', content_type="application/json")

    threaded_server.expect_request("/slow").respond_with_handler(slow)
    url = threaded_server.url_for("/slow")
    barrier = threading.Barrier(20)
    results: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(transport.send(HttpRequest("GET", url, timeout=10)).status)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    elapsed = time.monotonic() - started
    assert not failures and results == [200] * 20
    assert elapsed < 1.5, f"20 x 200 ms took {elapsed:.2f} s: requests were serialized"
    assert peak >= 10, f"server saw at most {peak} concurrent requests"


def test_response_headers_lower_case_and_user_agent(httpserver: HTTPServer, transport: HttpxTransport) -> None:
    seen: dict[str, str] = {}

    def handler(request: Request) -> Response:
        seen.update(request.headers)
        return Response("ok", headers={"X-Mixed-Case": "v"})

    httpserver.expect_request("/h").respond_with_handler(handler)
    resp = transport.send(HttpRequest("GET", httpserver.url_for("/h"), {"X-In": "1"}, None, 5))
    assert resp.headers["x-mixed-case"] == "v"
    assert all(k == k.lower() for k in resp.headers)
    assert seen["User-Agent"] == USER_AGENT and seen["X-In"] == "1"


def test_gzip_body_is_decoded(httpserver: HTTPServer, transport: HttpxTransport) -> None:
    data = gzip.compress(b'{"big": "' + b"x" * 1000 + b'"}')
    httpserver.expect_request("/gz").respond_with_data(
        data, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    resp = transport.send(HttpRequest("GET", httpserver.url_for("/gz"), timeout=5))
    assert resp.body.startswith(b'{"big": "xxx')
    assert "content-encoding" not in resp.headers and "content-length" not in resp.headers


def test_dns_failure_is_connection_failed(transport: HttpxTransport) -> None:
    with pytest.raises(WorkflowError) as info:
        transport.send(HttpRequest("GET", "http://no-such-host.invalid/", timeout=10))
    assert info.value.tags == ["ConnectionFailedError"]


def test_unsupported_scheme_is_value_error(transport: HttpxTransport) -> None:
    with pytest.raises(WorkflowError) as info:
        transport.send(HttpRequest("GET", "ftp://example.test/file", timeout=5))
    assert info.value.tags == ["ValueError"]


def test_read_timeout(threaded_server: HTTPServer, transport: HttpxTransport) -> None:
    threaded_server.expect_request("/slow").respond_with_handler(lambda r: (time.sleep(0.6), Response("x"))[1])
    with pytest.raises(WorkflowError) as info:
        transport.send(HttpRequest("GET", threaded_server.url_for("/slow"), timeout=0.2))
    assert info.value.tags == ["TimeoutError"]


def test_client_is_created_once_and_recreated_after_close(transport: HttpxTransport) -> None:
    clients = set()
    threads = [threading.Thread(target=lambda: clients.add(id(transport.client))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(clients) == 1
    first = transport.client
    transport.close()
    assert transport.client is not first


def test_default_transport_is_shared() -> None:
    assert default_transport() is default_transport()
