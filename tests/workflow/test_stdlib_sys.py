"""sys.*: https://cloud.google.com/workflows/docs/reference/stdlib/sys/get_env (now, log, sleep, sleep_until)"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.runtime import Runtime


class FakeClock:
    def __init__(self, start: float = 1_720_788_633.0) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rt(clock: FakeClock) -> Runtime:
    logs: list[tuple[str, Any]] = []
    runtime = Runtime(env={"GOOGLE_CLOUD_PROJECT_ID": "demo", "EMPTY": ""}, sleep=clock.sleep, now=clock.now,
                      log=lambda severity, payload: logs.append((severity, payload)))
    runtime.logs = logs  # type: ignore[attr-defined]
    return runtime


def call(rt: Runtime, name: str, args: list[Any] | dict[str, Any]) -> Any:
    fn = stdlib.lookup(name)
    assert fn.runtime
    return fn.impl(rt, *fn.bind(args))


def tag_of(rt: Runtime, name: str, args: list[Any] | dict[str, Any]) -> str:
    with pytest.raises(WorkflowError) as info:
        call(rt, name, args)
    return info.value.tags[0]


def test_flags() -> None:
    for name in ("sys.log", "sys.sleep", "sys.sleep_until"):
        assert stdlib.lookup(name).blocking
    for name in ("sys.get_env", "sys.now"):
        assert not stdlib.lookup(name).blocking


def test_get_env(rt: Runtime) -> None:
    assert call(rt, "sys.get_env", ["GOOGLE_CLOUD_PROJECT_ID"]) == "demo"
    assert call(rt, "sys.get_env", ["EMPTY", "x"]) == ""
    assert call(rt, "sys.get_env", ["NOPE"]) is None
    assert call(rt, "sys.get_env", {"name": "NOPE", "default": "fallback"}) == "fallback"
    assert tag_of(rt, "sys.get_env", [1]) == "TypeError"
    assert tag_of(rt, "sys.get_env", ["NOPE", 5]) == "TypeError"


def test_now(rt: Runtime) -> None:
    result = call(rt, "sys.now", [])
    assert result == 1_720_788_633.0 and type(result) is float


def test_log_payloads(rt: Runtime) -> None:
    call(rt, "sys.log", {"data": "Log my error message", "severity": "ERROR"})
    call(rt, "sys.log", ["positional", "WARNING"])  # args: [${myVar}, "ERROR"] form
    call(rt, "sys.log", {"data": {"k": [1, 2]}})
    call(rt, "sys.log", {"text": {"k": 1}, "severity": "INFO"})
    call(rt, "sys.log", {"json": {"a": 1}, "timeout": 5})
    call(rt, "sys.log", {"data": 2.5})
    assert rt.logs == [  # type: ignore[attr-defined]
        ("ERROR", "Log my error message"), ("WARNING", "positional"), ("DEFAULT", {"k": [1, 2]}),
        ("INFO", '{"k":1}'), ("DEFAULT", {"a": 1}), ("DEFAULT", "2.5"),
    ]


@pytest.mark.parametrize(("args", "tag"), [
    ({}, "TypeError"),
    ({"data": "a", "text": "b"}, "TypeError"),
    ({"json": "not a map"}, "TypeError"),
    ({"data": b"bytes"}, "TypeError"),
    ({"data": "a", "severity": "LOUD"}, "ValueError"),
    ({"data": "a", "severity": 3}, "TypeError"),
    ({"data": "a", "timeout": "1"}, "TypeError"),
    ({"data": "a", "timeout": -1}, "ValueError"),
])
def test_log_errors(rt: Runtime, args: dict[str, Any], tag: str) -> None:
    assert tag_of(rt, "sys.log", args) == tag
    assert rt.logs == []  # type: ignore[attr-defined]


def test_sleep(rt: Runtime, clock: FakeClock) -> None:
    call(rt, "sys.sleep", [2])
    call(rt, "sys.sleep", {"seconds": 0.5})
    assert clock.sleeps == [2.0, 0.5]
    assert tag_of(rt, "sys.sleep", [-1]) == "ValueError"
    assert tag_of(rt, "sys.sleep", [400 * 86400]) == "ValueError"
    assert tag_of(rt, "sys.sleep", ["1"]) == "TypeError"
    assert tag_of(rt, "sys.sleep", [True]) == "TypeError"


def test_sleep_until(rt: Runtime, clock: FakeClock) -> None:
    call(rt, "sys.sleep_until", {"time": "2024-07-12T12:51:33Z"})  # 60 s after the fake now
    assert clock.sleeps == [60.0]
    call(rt, "sys.sleep_until", ["2024-05-08T13:22:58Z"])  # in the past: returns at once
    assert clock.sleeps == [60.0]
    assert tag_of(rt, "sys.sleep_until", [1720788693]) == "TypeError"
    assert tag_of(rt, "sys.sleep_until", ["tomorrow"]) == "ValueError"
    assert tag_of(rt, "sys.sleep_until", ["2030-01-01T00:00:00Z"]) == "ValueError"
