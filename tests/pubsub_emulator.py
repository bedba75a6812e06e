"""The official Pub/Sub emulator as a session fixture (`pubsub_emulator`), shared by every test directory.

Started once per session in its own process group, ready when GET / answers "Ok" (60 s limit), stopped at
the end. While it runs, PUBSUB_EMULATOR_HOST points at it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

EMULATOR = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Emulator:
    host: str
    publisher: Any
    subscriber: Any


@pytest.fixture(scope="session")
def pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    if not os.access(EMULATOR, os.X_OK):
        pytest.skip(f"the Pub/Sub emulator is not installed at {EMULATOR}")
    port = free_port()
    log_path = tmp_path_factory.mktemp("pubsub") / "emulator.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([EMULATOR, "--host=127.0.0.1", f"--port={port}"], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the emulator exited with {proc.returncode}: "
                            f"{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.read().strip() == b"Ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the emulator was not ready in 60 s: {log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{port}")
            from google.cloud import pubsub_v1

            yield Emulator(f"127.0.0.1:{port}", pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient())
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass


