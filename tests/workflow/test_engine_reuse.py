"""A definition is parsed and checked once, then executed many times, also at the same time from several threads;
executions never share variables, step counts or memory accounting."""

from __future__ import annotations

import threading
from typing import Any

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads

SOURCE = """
main:
  params: [args]
  steps:
    - init:
        assign:
          - out: [0, 0, 0, 0]
          - items: [1, 2, 3, 4]
          - big: ${text.replace_all(json.encode_to_string(items), "1", "1111111111")}
    - fan:
        parallel:
          shared: [out]
          for:
            value: v
            index: i
            in: ${items}
            steps:
              - nap:
                  call: sys.sleep
                  args:
                    seconds: 0.01
              - put:
                  assign:
                    - out[i]: ${v * args.k}
    - loop:
        for:
          value: v
          range: [1, 50]
          steps:
            - bump:
                assign:
                  - out[0]: ${out[0] + 1}
    - done:
        return: ${out}
"""


def expected(k: int) -> list[int]:
    return [k + 50, 2 * k, 3 * k, 4 * k]


def test_one_definition_runs_many_times_with_the_same_results() -> None:
    definition = loads(SOURCE)
    engine = Engine()
    runs = [engine.run(definition, {"k": 10}) for _ in range(3)]
    assert [r.result for r in runs] == [expected(10)] * 3
    assert len({len(r.entries) for r in runs}) == 1
    assert len({r.execution_id for r in runs}) == 3


def test_one_definition_runs_concurrently_from_threads() -> None:
    definition = loads(SOURCE)
    engine = Engine()
    results: dict[int, Any] = {}

    def worker(k: int) -> None:
        results[k] = engine.run(definition, {"k": k})

    threads = [threading.Thread(target=worker, args=(k,)) for k in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, execution in results.items():
        assert execution.state == "SUCCEEDED", execution.error
        assert execution.result == expected(k)
    assert len({len(e.entries) for e in results.values()}) == 1


def test_a_failed_run_does_not_affect_the_next() -> None:
    definition = loads(SOURCE)
    engine = Engine()
    failed = engine.run(definition, {"k": "not a number"})
    assert failed.state == "FAILED" and failed.error["tags"] == ["UnhandledBranchError"]
    assert engine.run(definition, {"k": 5}).result == expected(5)
