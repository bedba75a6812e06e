"""Shared pieces of the notifier tests: Services on a temporary data dir, a fake DNS, real local receivers."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from pytest_httpserver import HTTPServer

from bookgen.events.local import LocalEvents
from bookgen.notifier.delivery import DeliveryPolicy
from bookgen.services import Services
from bookgen.settings import Settings
from bookgen.storage.local import LocalStorage

HOOK_HOST = "hooks.example.test"  # .test never resolves in real DNS: a request only arrives if it was pinned


def fake_dns(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    """A resolver that knows only `table` (anything else: the error getaddrinfo raises), and logs its calls."""

    def resolve(host: str, port: int) -> list[str]:
        resolve.calls.append(host)  # type: ignore[attr-defined]
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])

    resolve.calls = []  # type: ignore[attr-defined]
    return resolve


def local_policy(**overrides: Any) -> DeliveryPolicy:
    """Receivers listen on 127.0.0.1 over http: both switches on; short backoffs that a fake sleep records."""
    values: dict[str, Any] = {"max_attempts": 4, "backoff_s": 1.0, "max_backoff_s": 8.0, "timeout_s": 5.0,
                              "allow_http": True, "allow_private": True}
    return DeliveryPolicy(**{**values, **overrides})


@pytest.fixture
def make_services(tmp_path: Path) -> Callable[..., Services]:
    def make(**settings: Any) -> Services:
        data = tmp_path / "data"
        return Services(Settings(data_dir=data, **settings), LocalStorage(data), None, None, LocalEvents(data))

    return make


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()  # once: stopping a werkzeug server takes half a second
    yield server
    server.stop()


@pytest.fixture
def receiver(_receiver_server: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (an IPv4 literal, so the tests do not depend on how localhost resolves),
    with no handlers and an empty log for every test."""
    _receiver_server.clear()
    yield _receiver_server
    _receiver_server.clear()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_receiver(ca: trustme.CA) -> Iterator[Callable[[str], HTTPServer]]:
    """A factory: a real HTTPS server on 127.0.0.1 whose certificate (from `ca`) names `cert_host`."""
    servers: list[HTTPServer] = []

    def start(cert_host: str) -> HTTPServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(cert_host).configure_cert(context)
        server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.clear()
        server.stop()


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
