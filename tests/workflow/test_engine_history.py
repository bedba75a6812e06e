"""Execution history (step entries, like the Executions API's stepEntries) and call logging levels
(https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries,
https://cloud.google.com/workflows/docs/log-workflow)."""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads

SOURCE = """
main:
  steps:
    - init:
        assign:
          - x: 1
    - fan:
        parallel:
          for:
            value: v
            in: [1, 2, 3]
            steps:
              - nap:
                  call: sys.sleep
                  args:
                    seconds: 0.1
    - add:
        call: plus_one
        args:
          a: ${x}
        result: r
    - bad:
        try:
          call: text.split
          args:
            source: 1
            separator: ","
        except:
          as: e
          steps:
            - done:
                return: ${r}
plus_one:
  params: [a]
  steps:
    - give:
        return: ${a + 1}
"""


def run(call_log_level: str = "none") -> Any:
    execution = Engine(call_log_level=call_log_level).run(loads(SOURCE))
    assert execution.state == "SUCCEEDED", execution.error
    return execution


def test_every_step_has_an_entry_with_routine_step_type_and_state() -> None:
    rows = [(e["routine"], e["step"], e["stepType"], e["state"]) for e in run().to_dict()["stepEntries"]]
    assert rows[:2] == [("main", "init", "STEP_ASSIGN", "STATE_SUCCEEDED"),
                        ("main", "fan", "STEP_PARALLEL", "STATE_SUCCEEDED")]
    assert rows.count(("main", "nap", "STEP_STD_LIB_CALL", "STATE_SUCCEEDED")) == 3
    assert rows[5:] == [
        ("main", "add", "STEP_SUBWORKFLOW_CALL", "STATE_SUCCEEDED"),
        ("plus_one", "give", "STEP_RETURN", "STATE_SUCCEEDED"),
        ("main", "bad", "STEP_TRY_RETRY_EXCEPT", "STATE_SUCCEEDED"),
        ("main", "bad", "STEP_STD_LIB_CALL", "STATE_FAILED"),
        ("main", "done", "STEP_RETURN", "STATE_SUCCEEDED"),
    ]


def test_entry_ids_count_up_and_failed_entries_carry_the_exception() -> None:
    entries = run().to_dict()["stepEntries"]
    assert [e["entryId"] for e in entries] == list(range(1, len(entries) + 1))
    failed = [e for e in entries if e["state"] == "STATE_FAILED"]
    assert len(failed) == 1 and "TypeError" in failed[0]["exception"]["payload"]
    assert all(e["createTime"] <= e["updateTime"] for e in entries)


def test_parallel_iterations_have_own_threads_and_overlap() -> None:
    naps = [e for e in run().entries if e.step == "nap"]
    assert len({e.thread for e in naps}) == 3
    assert all(e.thread != "0" for e in naps)
    assert sorted(e.iteration for e in naps) == [0, 1, 2]
    latest_start = max(e.start for e in naps)
    earliest_end = min(e.end for e in naps)
    assert latest_start < earliest_end  # all three were running at one moment


def test_log_all_calls_records_call_steps_with_args_and_results() -> None:
    calls = run("log-all-calls").calls
    assert [c["step"] for c in calls] == ["nap", "nap", "nap", "add", "bad"]
    add = calls[3]
    assert (add["function"], add["args"], add["result"]) == ("plus_one", {"a": 1}, 2)
    assert calls[4]["error"]["tags"] == ["TypeError"] and "result" not in calls[4]


def test_log_errors_only_records_only_failed_calls() -> None:
    calls = run("log-errors-only").calls
    assert [(c["step"], c["error"]["tags"]) for c in calls] == [("bad", ["TypeError"])]


def test_log_none_records_nothing() -> None:
    assert run("none").calls == []


def test_calls_inside_expressions_are_not_logged() -> None:
    source = """
main:
  steps:
    - compute:
        assign:
          - n: ${len(text.split("a,b", ","))}
    - done:
        return: ${n}
"""
    assert Engine(call_log_level="log-all-calls").run(loads(source)).calls == []


def test_authorization_header_is_redacted_in_call_logs() -> None:
    source = """
main:
  steps:
    - send:
        try:
          call: http.get
          args:
            url: "http://127.0.0.1:9/"
            timeout: 0.5
            headers:
              Authorization: "Bearer secret-token"
              X-Other: "visible"
        except:
          as: e
          steps:
            - done:
                return: "failed as expected"
"""
    execution = Engine(call_log_level="log-all-calls").run(loads(source))
    headers = execution.calls[0]["args"]["headers"]
    assert "secret-token" not in str(execution.calls)
    assert headers["X-Other"] == "visible"


def test_unknown_call_log_level_is_refused() -> None:
    with pytest.raises(ValueError):
        Engine(call_log_level="everything")
