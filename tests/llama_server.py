"""A real OpenAI-compatible server for tests: llama-cpp-python's server with the bundled model."""

from __future__ import annotations

import importlib.util
import logging
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

SERVER_READY_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[str]:
    """`python -m llama_cpp.server` with the bundled model; yields its base URL; stopped after the session."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("fastapi") is None:
        pytest.skip("llama-cpp-python[server] is not installed")
    from bookgen.llm.local import bundled_model_path

    port, log_path = _free_port(), tmp_path_factory.mktemp("llama_server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_model_path()),
           "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"]
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
    base_url, start = f"http://127.0.0.1:{port}/v1", time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base_url + "/models", timeout=1):
                    break
            except OSError:
                if time.monotonic() - start > SERVER_READY_TIMEOUT_S:
                    pytest.fail(f"llama_cpp.server not ready in {SERVER_READY_TIMEOUT_S} s:\n"
                                f"{log_path.read_text()[-2000:]}")
                time.sleep(0.1)
        logging.getLogger(__name__).info("llama_cpp.server ready in %.2f s", time.monotonic() - start)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


