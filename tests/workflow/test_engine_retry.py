"""Retry timing and counting (https://cloud.google.com/workflows/docs/reference/syntax/retrying), with a fake sleep
that records the delays instead of waiting."""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads


def run(source: str, argument: Any = None) -> tuple[Any, list[float]]:
    delays: list[float] = []
    execution = Engine(sleep=delays.append).run(loads(source), argument)
    return execution, delays


FAIL_ALWAYS = """
main:
  params: [args]
  steps:
    - init:
        assign:
          - attempts: 0
    - attempt:
        try:
          steps:
            - count:
                assign:
                  - attempts: ${attempts + 1}
            - fail:
                raise: {"tags": ["HttpError"], "code": 503, "message": "unavailable"}
        retry: RETRY
        except:
          as: e
          steps:
            - done:
                return: ${attempts}
"""


def with_retry(retry: str) -> str:
    return FAIL_ALWAYS.replace("RETRY", retry)


def test_backoff_doubles_then_stays_at_max_delay() -> None:
    # the retrying page's own example: "1, 2, 4, 8, 16, 32, 60, and 60 seconds"
    source = with_retry("""
          predicate: ${retry.always}
          max_retries: 8
          backoff:
            initial_delay: 1
            max_delay: 60
            multiplier: 2""")
    execution, delays = run(source)
    assert execution.result == 9  # the first attempt + 8 retries
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]


def test_default_retry_uses_default_backoff() -> None:
    execution, delays = run(with_retry("${http.default_retry}"))
    assert execution.result == 6  # max_retries 5
    assert delays == pytest.approx([1, 1.25, 1.5625, 1.953125, 2.44140625])


def test_default_backoff_reference_in_custom_policy() -> None:
    source = with_retry("""
          predicate: ${http.default_retry_predicate}
          max_retries: 3
          backoff: ${retry.default_backoff}""")
    execution, delays = run(source)
    assert execution.result == 4
    assert delays == pytest.approx([1, 1.25, 1.5625])


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_max_retries_counts_retries_not_attempts(max_retries: int) -> None:
    source = with_retry("""
          predicate: ${retry.always}
          max_retries: ${args.n}
          backoff:
            initial_delay: 0.5
            max_delay: 10
            multiplier: 3""")
    execution, delays = run(source, {"n": max_retries})
    assert execution.result == max_retries + 1
    assert len(delays) == max_retries
    assert delays == [min(0.5 * 3**i, 10) for i in range(max_retries)]


def test_no_sleep_when_predicate_refuses() -> None:
    execution, delays = run(with_retry("""
          predicate: ${retry.never}
          max_retries: 5"""))
    assert (execution.result, delays) == (1, [])


def test_retry_then_success_stops_retrying() -> None:
    source = """
main:
  steps:
    - init:
        assign:
          - n: 0
    - attempt:
        try:
          steps:
            - count:
                assign:
                  - n: ${n + 1}
            - maybe:
                switch:
                  - condition: ${n < 3}
                    raise: {"tags": ["ConnectionFailedError"], "message": "refused"}
        retry: ${http.default_retry}
    - done:
        return: ${n}
"""
    execution, delays = run(source)
    assert execution.state == "SUCCEEDED", execution.error
    assert execution.result == 3
    assert delays == pytest.approx([1, 1.25])


def test_retries_are_recorded_in_history() -> None:
    execution, _ = run(with_retry("""
          predicate: ${retry.always}
          max_retries: 2
          backoff:
            initial_delay: 1
            max_delay: 5
            multiplier: 2"""))
    retries = [e for e in execution.entries if e.step_type == "STEP_RETRY"]
    assert [e.step for e in retries] == ["attempt", "attempt"]
    assert [e.entry_id for e in execution.entries] == sorted(e.entry_id for e in execution.entries)
