"""One delivery against real local servers (HTTP and HTTPS): retries, backoff, redirects, pinning, TLS."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen.notifier.delivery import DeliveryPolicy, deliver
from tests.notifier.conftest import HOOK_HOST, client_context, fake_dns, local_policy

BODY, HEADERS = b'{"hello":"world"}', {"Content-Type": "application/json", "X-Test": "1"}


def send(url: str, policy: DeliveryPolicy | None = None, resolve: Callable[..., list[str]] | None = None,
         headers: Any = None) -> tuple[Any, list[float]]:
    delays: list[float] = []
    result = deliver(url, BODY, headers or HEADERS, policy or local_policy(), resolve=resolve or fake_dns({}),
                     sleep=delays.append)
    return result, delays


def answer(receiver: HTTPServer, *codes: int, headers: dict[str, str] | None = None) -> None:
    for code in codes:
        receiver.expect_ordered_request("/hook", method="POST").respond_with_data("x", status=code,
                                                                                  headers=headers)


def test_200_is_delivered_with_the_exact_body_and_headers(receiver: HTTPServer) -> None:
    answer(receiver, 200)
    result, delays = send(receiver.url_for("/hook"))
    assert result.status == "delivered" and delays == [] and result.reason == "HTTP 200"
    [attempt] = result.attempts
    assert attempt["status_code"] == 200 and attempt["address"] == "127.0.0.1" and attempt["duration_ms"] >= 0
    [(request, _)] = receiver.log
    assert request.get_data() == BODY and request.headers["X-Test"] == "1"


def test_5xx_is_retried_with_exponential_backoff(receiver: HTTPServer) -> None:
    answer(receiver, 500, 502, 200)
    result, delays = send(receiver.url_for("/hook"))
    assert result.status == "delivered"
    assert [a["status_code"] for a in result.attempts] == [500, 502, 200]
    assert delays == [1.0, 2.0]
    receiver.check_assertions()


def test_a_4xx_stops_at_once(receiver: HTTPServer) -> None:
    answer(receiver, 400)
    result, delays = send(receiver.url_for("/hook"))
    assert (result.status, len(result.attempts), delays, result.reason) == ("failed", 1, [], "HTTP 400")


def test_always_503_fails_after_max_attempts_with_capped_delays(receiver: HTTPServer) -> None:
    receiver.expect_request("/hook").respond_with_data("busy", status=503)
    result, delays = send(receiver.url_for("/hook"), local_policy(max_attempts=5, max_backoff_s=5.0))
    assert result.status == "failed" and len(receiver.log) == 5
    assert delays == [1.0, 2.0, 4.0, 5.0]
    assert result.reason == "HTTP 503 after 5 attempts"


def test_a_redirect_is_a_failure_and_is_not_followed(receiver: HTTPServer) -> None:
    receiver.expect_request("/hook").respond_with_data("", status=302,
                                                       headers={"Location": receiver.url_for("/elsewhere")})
    receiver.expect_request("/elsewhere").respond_with_data("ok")
    result, delays = send(receiver.url_for("/hook"))
    assert result.status == "failed" and "redirects are not followed" in result.reason and delays == []
    assert [r.path for r, _ in receiver.log] == ["/hook"]


def test_retry_after_is_honoured_and_capped(receiver: HTTPServer) -> None:
    answer(receiver, 429, headers={"Retry-After": "3"})
    answer(receiver, 503, headers={"Retry-After": "3600"})
    answer(receiver, 429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})  # a date: the backoff
    answer(receiver, 200)
    result, delays = send(receiver.url_for("/hook"))
    assert result.status == "delivered" and delays == [3.0, 8.0, 4.0]


def test_connection_errors_are_retried() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result, delays = send(f"http://127.0.0.1:{port}/hook", local_policy(max_attempts=3))
    assert result.status == "failed" and delays == [1.0, 2.0]
    assert all(a["error"].startswith("ConnectError") for a in result.attempts)


def test_the_checked_address_is_used_with_the_original_host_header(receiver: HTTPServer) -> None:
    """hooks.example.test exists only in the injected resolver: the request arrives only because delivery
    connects to the address the check returned instead of resolving the name again."""
    answer(receiver, 200)
    dns = fake_dns({HOOK_HOST: ["127.0.0.1"]})
    result, _ = send(f"http://{HOOK_HOST}:{receiver.port}/hook?token=abc", resolve=dns)
    assert result.status == "delivered"
    [(request, _)] = receiver.log
    assert request.headers["Host"] == f"{HOOK_HOST}:{receiver.port}" and request.args["token"] == "abc"
    assert dns.calls == [HOOK_HOST]  # type: ignore[attr-defined]


def test_the_guard_runs_before_every_attempt(receiver: HTTPServer) -> None:
    """DNS rebinding: the name turns into the metadata server between two attempts; nothing more is sent."""
    answer(receiver, 503)
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    result, delays = send(f"http://{HOOK_HOST}:{receiver.port}/hook", resolve=lambda host, port: next(answers))
    assert result.status == "refused" and "metadata server" in result.reason
    assert len(result.attempts) == 1 and len(receiver.log) == 1 and delays == [1.0]


def test_refused_before_anything_is_sent(receiver: HTTPServer) -> None:
    answer(receiver, 200)
    result, _ = send(receiver.url_for("/hook"), local_policy(allow_private=False))
    assert result.status == "refused" and "loopback" in result.reason
    assert result.attempts == [] and receiver.log == []


def test_headers_may_be_made_anew_for_each_attempt(receiver: HTTPServer) -> None:
    answer(receiver, 500, 200)
    counter = iter(range(10))
    result, _ = send(receiver.url_for("/hook"), headers=lambda: {"X-Attempt": str(next(counter))})
    assert result.status == "delivered"
    assert [r.headers["X-Attempt"] for r, _ in receiver.log] == ["0", "1"]


def test_https_is_pinned_and_verified_against_the_host_name(
        tls_receiver: Callable[[str], HTTPServer], ca: trustme.CA) -> None:
    server = tls_receiver(HOOK_HOST)
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response("ok")

    server.expect_request("/hook").respond_with_handler(handler)
    url = f"https://{HOOK_HOST}:{server.port}/hook"
    result, _ = send(url, local_policy(allow_http=False, verify=client_context(ca)),
                     resolve=fake_dns({HOOK_HOST: ["127.0.0.1"]}))
    assert result.status == "delivered", result
    assert seen[0].headers["Host"] == f"{HOOK_HOST}:{server.port}" and seen[0].get_data() == BODY


def test_https_with_a_ca_file(tls_receiver: Callable[[str], HTTPServer], ca: trustme.CA, tmp_path: Any) -> None:
    server = tls_receiver(HOOK_HOST)
    server.expect_request("/hook").respond_with_data("ok")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    result, _ = send(f"https://{HOOK_HOST}:{server.port}/hook", local_policy(verify=str(tmp_path / "ca.pem")),
                     resolve=fake_dns({HOOK_HOST: ["127.0.0.1"]}))
    assert result.status == "delivered", result


def test_https_with_a_certificate_for_another_name_fails(
        tls_receiver: Callable[[str], HTTPServer], ca: trustme.CA) -> None:
    server = tls_receiver("other.example.test")
    server.expect_request("/hook").respond_with_data("ok")
    result, delays = send(f"https://{HOOK_HOST}:{server.port}/hook",
                          local_policy(max_attempts=2, verify=client_context(ca)),
                          resolve=fake_dns({HOOK_HOST: ["127.0.0.1"]}))
    assert result.status == "failed" and server.log == []
    assert all("CERTIFICATE_VERIFY_FAILED" in a["error"] for a in result.attempts), result.attempts
    assert delays == [1.0]


def test_https_with_an_untrusted_ca_fails(tls_receiver: Callable[[str], HTTPServer]) -> None:
    server = tls_receiver(HOOK_HOST)
    result, _ = send(f"https://{HOOK_HOST}:{server.port}/hook", local_policy(max_attempts=1),
                     resolve=fake_dns({HOOK_HOST: ["127.0.0.1"]}))
    assert result.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in result.attempts[0]["error"]


def test_policy_from_settings() -> None:
    from bookgen.settings import Settings

    policy = DeliveryPolicy.from_settings(Settings(webhook_max_attempts=3, webhook_backoff_s=0.5,
                                                   webhook_allow_http=True), timeout_s=2.0)
    assert (policy.max_attempts, policy.backoff_s, policy.max_backoff_s, policy.timeout_s) == (3, 0.5, 60.0, 2.0)
    assert (policy.allow_http, policy.allow_private, policy.verify) == (True, False, True)
    assert [policy.delay(n) for n in range(1, 5)] == [0.5, 1.0, 2.0, 4.0]


def test_a_stop_during_the_backoff_interrupts_the_delivery(receiver: HTTPServer) -> None:
    answer(receiver, 503, 200)
    waits: list[float] = []

    def stopped_wait(delay: float) -> bool:  # threading.Event.wait of a set event
        waits.append(delay)
        return True

    result = deliver(receiver.url_for("/hook"), BODY, HEADERS, local_policy(), resolve=fake_dns({}),
                     sleep=stopped_wait)
    assert result.status == "interrupted" and waits == [1.0] and len(receiver.log) == 1
    assert result.reason == "HTTP 503; stopped before attempt 2"
