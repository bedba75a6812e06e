"""Parallel steps really run in parallel, within the documented limits
(https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps, https://cloud.google.com/workflows/quotas):
concurrency_limit per step, at most 20 branches/iterations at once per execution, nesting depth 2."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads


class Gauge:
    """A handler that sleeps and records how many requests were in flight at once."""

    def __init__(self, seconds: float = 0.2):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.current = self.peak = self.total = 0

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.current += 1
            self.total += 1
            self.peak = max(self.peak, self.current)
        time.sleep(self.seconds)
        with self.lock:
            self.current -= 1
        return Response('{"ok": true}', content_type="application/json")


@pytest.fixture
def server(threaded_server):
    return threaded_server


@pytest.fixture
def gauge(server: HTTPServer) -> Gauge:
    g = Gauge()
    server.expect_request("/slow").respond_with_handler(g)
    return g


def run(source: str, argument: Any = None) -> Any:
    execution = Engine().run(loads(source), argument)
    assert execution.state == "SUCCEEDED", execution.error
    return execution


PARALLEL_FOR = """
main:
  params: [args]
  steps:
    - init:
        assign:
          - codes: []
    - fill:
        for:
          value: i
          range: ${[1, args.n]}
          steps:
            - grow:
                assign:
                  - codes: ${list.concat(codes, 0)}
    - fan:
        parallel:
          shared: [codes]
          LIMIT
          for:
            value: i
            index: k
            range: ${[1, args.n]}
            steps:
              - get:
                  call: http.get
                  args:
                    url: ${args.url}
                  result: r
              - keep:
                  assign:
                    - codes[k]: ${r.code}
    - done:
        return: ${codes}
"""


def fan_out(n: int, url: str, limit: int | None = None) -> tuple[Any, float]:
    source = PARALLEL_FOR.replace("LIMIT", f"concurrency_limit: {limit}" if limit else "")
    started = time.monotonic()
    execution = run(source, {"n": n, "url": url})
    return execution.result, time.monotonic() - started


def test_parallel_for_runs_iterations_at_the_same_time(server: HTTPServer, gauge: Gauge) -> None:
    codes, elapsed = fan_out(20, server.url_for("/slow"))
    assert codes == [200] * 20
    assert elapsed < 1.5  # sequentially it would take 20 x 0.2 s = 4 s
    assert gauge.peak > 5


def test_concurrency_limit_queues_the_rest(server: HTTPServer, gauge: Gauge) -> None:
    codes, elapsed = fan_out(10, server.url_for("/slow"), limit=5)
    assert codes == [200] * 10
    assert elapsed >= 0.4  # two waves of 0.2 s
    assert gauge.peak <= 5


def test_at_most_20_iterations_at_once(server: HTTPServer, gauge: Gauge) -> None:
    codes, _ = fan_out(30, server.url_for("/slow"))
    assert codes == [200] * 30
    assert gauge.total == 30
    assert 10 < gauge.peak <= 20


def test_at_most_20_at_once_across_nested_parallel_steps(server: HTTPServer, gauge: Gauge) -> None:
    source = """
main:
  params: [args]
  steps:
    - outer:
        parallel:
          for:
            value: group
            range: [1, 3]
            steps:
              - inner:
                  parallel:
                    for:
                      value: i
                      range: [1, 10]
                      steps:
                        - get:
                            call: http.get
                            args:
                              url: ${args.url}
"""
    run(source, {"url": server.url_for("/slow")})
    assert gauge.total == 30
    assert gauge.peak <= 20


def test_shared_list_writes_by_index_are_all_kept() -> None:
    source = """
main:
  steps:
    - init:
        assign:
          - out: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
          - seen: {}
    - fan:
        parallel:
          shared: [out, seen]
          for:
            value: v
            index: i
            range: [1, 20]
            steps:
              - nap:
                  call: sys.sleep
                  args:
                    seconds: 0.01
              - put:
                  assign:
                    - out[i]: ${v * 10}
                    - seen[string(v)]: true
    - done:
        return: ${[out, len(seen)]}
"""
    assert run(source).result == [[v * 10 for v in range(1, 21)], 20]


def test_parallel_sleep_overlaps() -> None:
    source = """
main:
  steps:
    - fan:
        parallel:
          for:
            value: v
            range: [1, 20]
            steps:
              - nap:
                  call: sys.sleep
                  args:
                    seconds: 0.2
"""
    started = time.monotonic()
    run(source)
    assert time.monotonic() - started < 1.5


NESTING = """
main:
  steps:
    - init:
        assign:
          - out: {}
    - level1:
        parallel:
          shared: [out]
          branches:
            - a:
                steps:
                  - level2:
                      parallel:
                        shared: [out]
                        branches:
                          - x:
                              steps:
                                - go:
                                    call: deeper
                                    result: r
                                - keep:
                                    assign:
                                      - out.x: ${r}
                          - y:
                              steps:
                                - keep_y:
                                    assign:
                                      - out.y: "y"
            - b:
                steps:
                  - keep_b:
                      assign:
                        - out.b: "b"
    - done:
        return: ${out}
deeper:
  steps:
    - body:
        BODY
"""


def test_nested_parallel_depth_two_works() -> None:
    source = NESTING.replace("BODY", 'return: "x"')
    assert run(source).result == {"x": "x", "y": "y", "b": "b"}


def test_parallel_depth_three_through_subworkflow_raises_nesting_error() -> None:
    body = """parallel:
          branches:
            - p:
                steps:
                  - s1:
                      return: 1
            - q:
                steps:
                  - s2:
                      return: 2"""
    execution = Engine().run(loads(NESTING.replace("BODY", body)))
    assert execution.state == "FAILED"
    assert execution.error["tags"] == ["UnhandledBranchError"]
    # level1 <- branch a <- level2 <- branch x <- the ParallelNestingError raised in `deeper`
    inner = execution.error["branches"][0]["error"]["payload"]
    assert inner["tags"] == ["UnhandledBranchError"]
    assert inner["branches"][0]["error"]["payload"]["tags"] == ["ParallelNestingError"]


def test_reading_a_shared_map_while_others_write_it_is_atomic() -> None:
    # each read copies the map; a write must never change a map some branch is copying
    source = """
main:
  steps:
    - init:
        assign:
          - seen: {}
    - fan:
        parallel:
          shared: [seen]
          for:
            value: v
            range: [1, 20]
            steps:
              - inner:
                  for:
                    value: i
                    range: [1, 40]
                    steps:
                      - put:
                          assign:
                            - seen[string(v) + "-" + string(i)]: true
                            - snapshot: ${seen}
    - done:
        return: ${len(seen)}
"""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        assert run(source).result == 800
    finally:
        sys.setswitchinterval(interval)


def test_an_engine_defect_in_a_branch_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from bookgen.workflow.interpreter import Interpreter

    original = Interpreter.assign

    def broken(self: Interpreter, step: Any, scope: Any) -> None:
        if step.name == "boom":
            raise RuntimeError("engine defect")
        original(self, step, scope)

    monkeypatch.setattr(Interpreter, "assign", broken)
    source = """
main:
  steps:
    - fan:
        parallel:
          branches:
            - a:
                steps:
                  - boom:
                      assign:
                        - x: 1
            - b:
                steps:
                  - fine:
                      assign:
                        - y: 2
"""
    with pytest.raises(RuntimeError, match="engine defect"):
        Engine().run(loads(source))



def test_a_long_parallel_for_uses_at_most_20_worker_threads() -> None:
    source = """
main:
  steps:
    - fan:
        parallel:
          for:
            value: v
            range: [1, 200]
            steps:
              - nap:
                  call: sys.sleep
                  args:
                    seconds: 0.002
"""
    baseline = threading.active_count()
    alive: list[int] = []

    def sleep(seconds: float) -> None:
        alive.append(threading.active_count())
        time.sleep(seconds)

    assert Engine(sleep=sleep).run(loads(source)).state == "SUCCEEDED"
    assert len(alive) == 200
    assert max(alive) - baseline <= 20


def test_unhandled_branch_error_payload_lists_failed_branches() -> None:
    source = """
main:
  params: [args]
  steps:
    - fan:
        parallel:
          for:
            value: v
            range: ${[1, args.n]}
            steps:
              - check:
                  switch:
                    - condition: ${v % 2 == 0}
                      raise: {"message": "${\\"even \\" + string(v)}", "tags": ["ValueError"]}
"""
    definition = loads(source)
    error = Engine().run(definition, {"n": 6}).error
    assert error["tags"] == ["UnhandledBranchError"]
    assert error["truncated"] is False
    assert [b["error"]["payload"]["message"] for b in error["branches"]] == ["even 2", "even 4", "even 6"]
    assert all(set(b) == {"id", "error"} and "context" in b["error"] for b in error["branches"])
    many = Engine().run(definition, {"n": 204}).error
    assert (len(many["branches"]), many["truncated"]) == (100, True)  # at most 100 unhandled errors are kept
