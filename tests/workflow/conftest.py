from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture
def threaded_server():
    """A real local HTTP server that answers concurrent requests (pytest-httpserver, threaded)."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
