"""`bookgen serve` as a real process on a free loopback port, for end-to-end tests and bench/api.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keys_json(entries: list[dict]) -> str:
    return json.dumps({"keys": entries})


class ServeProcess:
    """Start with `start()`, stop with `kill()` (SIGKILL) or `stop()` (SIGTERM); output goes to a log file."""

    def __init__(self, data_dir: Path, env: dict[str, str], args: tuple[str, ...] = (), port: int | None = None):
        self.data_dir, self.args = data_dir, args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "BOOKGEN_WORKFLOW_FILE": str(ROOT / "workflows" / "book.yaml"), **env}
        self.env.pop("PUBSUB_EMULATOR_HOST", None) if "PUBSUB_EMULATOR_HOST" not in env else None
        self.log = data_dir.parent / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60.0) -> ServeProcess:
        self.starts += 1
        log = open(self.log, "a")
        log.write(f"--- start {self.starts}\n")
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bookgen", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bookgen serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"bookgen serve did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode if self.process else 0


def wait_for(predicate, timeout: float, what: str, serve: ServeProcess):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{serve.output()[-4000:]}")


class UvicornFactory:
    """`uvicorn --factory <target>` as the containers start it (context manager); `.url` once it answers."""

    def __init__(self, target: str, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        for name in ("OPENAI_API_KEY", "PUBSUB_EMULATOR_HOST"):  # the services need no model and use env only
            self.env.pop(name, None)
        self.args = [sys.executable, "-m", "uvicorn", "--factory", target, "--port", str(self.port)]

    def __enter__(self) -> UvicornFactory:
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"uvicorn {self.args[4]} did not start:\n{self.proc.stdout.read().decode()}") from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)
