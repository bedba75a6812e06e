"""`try` / `retry` / `except` (https://cloud.google.com/workflows/docs/reference/syntax/retrying).

The whole `try` body is re-run on each retry. `max_retries` counts retries, not the first attempt. The delay
starts at `initial_delay`, is multiplied by `multiplier` after each retry and capped at `max_delay`, where
retries continue. When the predicate says no or retries run out, `except` (if any) gets the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bookgen.workflow import model as m
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.history import Entry
from bookgen.workflow.references import backoffs, policies
from bookgen.workflow.scope import Scope
from bookgen.workflow.values import FunctionRef, is_number, type_name

if TYPE_CHECKING:
    from bookgen.workflow.interpreter import Interpreter


@dataclass(frozen=True)
class Policy:
    predicate: str  # a library predicate or a subworkflow name
    max_retries: int
    initial_delay: float
    max_delay: float
    multiplier: float

    def delays(self):
        delay = self.initial_delay
        while True:
            yield min(delay, self.max_delay)
            delay = min(delay * self.multiplier, self.max_delay)


def run_try(interp: Interpreter, step: m.Try, scope: Scope) -> Any:
    policy: Policy | None = None
    delays = None
    attempt = 0
    while True:
        try:
            return interp.block(step.body, scope)
        except WorkflowError as e:
            failure = e
        if step.retry is not None:
            policy = policy or resolve_policy(step.retry.evaluate(scope))
            if attempt < policy.max_retries and predicate(interp, policy.predicate, failure.value, scope):
                delays = delays or policy.delays()
                delay = next(delays)
                attempt += 1
                _retry_entry(interp, step, scope, delay, attempt)
                interp.run.runtime.sleep(delay)
                continue
        if step.except_block is None:
            raise failure
        child = Scope(scope.frame, scope, {step.except_as: failure.value} if step.except_as else None)
        try:
            return interp.block(step.except_block, child)
        finally:
            child.close()


def _retry_entry(interp: Interpreter, step: m.Try, scope: Scope, delay: float, attempt: int) -> None:
    run = interp.run
    entry = Entry(run.next_entry_id(), scope.frame.routine, step.name, "STEP_RETRY", run.now(),
                  scope.frame.thread, attempt)
    entry.finish(run.now(), "STATE_SUCCEEDED", {"retry": attempt, "delay": delay})
    run.entries.append(entry)


def predicate(interp: Interpreter, name: str, value: Any, scope: Scope) -> bool:
    if name in interp.run.definition.routines:
        result = interp.call_routine(name, [value], scope)
    else:
        result = interp.call_function(name, [value], scope)
    if type(result) is not bool:
        raise error("TypeError", f"retry predicate {name} must return a boolean, got {type_name(result)}")
    return result


def resolve_policy(value: Any) -> Policy:
    """A policy from `${http.default_retry}` (a reference) or a map {predicate, max_retries, backoff}."""
    if isinstance(value, FunctionRef):
        if value.name not in policies():
            raise error("TypeError", f"{value.name} is not a retry policy")
        value = policies()[value.name]
    if not isinstance(value, dict):
        raise error("TypeError", f"retry must be a policy or a map, got {type_name(value)}")
    pred = value.get("predicate")
    pred_name = pred.name if isinstance(pred, FunctionRef) else pred
    if not isinstance(pred_name, str):
        raise error("TypeError", "retry.predicate must be a predicate function or subworkflow")
    max_retries = value.get("max_retries", 0)
    if type_name(max_retries) != "integer" or max_retries < 0:
        raise error("ValueError", f"retry.max_retries must be a non-negative integer, got {max_retries!r}")
    backoff = value.get("backoff")
    if isinstance(backoff, FunctionRef):
        backoff = backoffs().get(backoff.name)
    backoff = backoff or {"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}
    if not isinstance(backoff, dict):
        raise error("TypeError", "retry.backoff must be a map with initial_delay, max_delay and multiplier")
    numbers = {k: backoff.get(k) for k in ("initial_delay", "max_delay", "multiplier")}
    for key, number in numbers.items():
        if not is_number(number) or number < 0:
            raise error("ValueError", f"retry.backoff.{key} must be a non-negative number, got {number!r}")
    return Policy(pred_name, max_retries, float(numbers["initial_delay"]), float(numbers["max_delay"]),
                  float(numbers["multiplier"]))
