"""Executing steps: blocks and jumps, assign, call, switch, for, return, raise.

`parallel` lives in `parallel.py`, `try/retry/except` in `retrying.py`. Control flow is returned, not raised:
running a block yields None (fell off the end) or a signal — Return(value), Jump(step), BREAK, CONTINUE, END.
Runtime errors travel as `WorkflowError` exceptions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bookgen.workflow import model as m
from bookgen.workflow import stdlib
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.history import Entry
from bookgen.workflow.scope import Scope
from bookgen.workflow.values import type_name

if TYPE_CHECKING:
    from bookgen.workflow.engine import Run

log = logging.getLogger(__name__)
MAX_CALL_DEPTH = 20


class Return:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class Jump:
    __slots__ = ("target",)

    def __init__(self, target: str):
        self.target = target


BREAK, CONTINUE, END = object(), object(), object()
_SPECIAL = {"break": BREAK, "continue": CONTINUE, "end": END}


@dataclass(frozen=True)
class Frame:
    """Where a step runs: which execution, routine, call depth, parallel depth and thread (branch)."""

    run: Run
    interpreter: Interpreter
    routine: str
    depth: int = 1
    parallel_depth: int = 0
    thread: str = "0"
    iteration: int | None = None


class Interpreter:
    def __init__(self, run: Run):
        self.run = run
        self.dispatch = {
            m.Assign: self.assign, m.Call: self.call, m.Switch: self.switch, m.Return: self.return_,
            m.Raise: self.raise_, m.Jump: lambda step, scope: None, m.Steps: self.steps, m.For: self.for_,
        }
        from bookgen.workflow.parallel import run_parallel
        from bookgen.workflow.retrying import run_try

        self.dispatch[m.Parallel] = lambda step, scope: run_parallel(self, step, scope)
        self.dispatch[m.Try] = lambda step, scope: run_try(self, step, scope)

    # ---- blocks -------------------------------------------------------------------------------------------
    def block(self, block: m.Block, scope: Scope) -> Any:
        steps, index, i, n = block.steps, block.index, 0, len(block.steps)
        while i < n:
            step = steps[i]
            signal = self.step(step, scope)
            if signal is None:
                target = step.next
            elif type(signal) is Jump:
                target = signal.target
            else:
                return signal
            if target is None:
                i += 1
            elif target in index:
                i = index[target]
            elif target in _SPECIAL:
                return _SPECIAL[target]
            else:
                return Jump(target)
        return None

    def step(self, step: m.Step, scope: Scope) -> Any:
        run = self.run
        if next(run.step_counter) >= run.max_steps:
            raise error("ResourceLimitError", f"the execution ran more than {run.max_steps} steps")
        entry = Entry(run.next_entry_id(), scope.frame.routine, step.name, _type_of(step, run), run.now(),
                      scope.frame.thread, scope.frame.iteration)
        run.entries.append(entry)
        try:
            signal = self.dispatch[type(step)](step, scope)
        except WorkflowError as e:
            entry.finish(run.now(), "STATE_FAILED", e.value)
            raise
        entry.finish(run.now(), "STATE_SUCCEEDED")
        return signal

    # ---- simple steps -------------------------------------------------------------------------------------
    def assign(self, step: m.Assign, scope: Scope) -> None:
        for target, value in step.items:
            scope.assign(target, value.evaluate(scope))

    def return_(self, step: m.Return, scope: Scope) -> Return:
        return Return(None if step.value is None else step.value.evaluate(scope))

    def raise_(self, step: m.Raise, scope: Scope) -> None:
        value = step.value.evaluate(scope) if step.value is not None else None
        raise WorkflowError(value)

    def steps(self, step: m.Steps, scope: Scope) -> Any:
        return self.block(step.block, scope)

    def switch(self, step: m.Switch, scope: Scope) -> Any:
        for cond in step.conditions:
            value = cond.condition.evaluate(scope)
            if type(value) is not bool:
                raise error("TypeError", f"switch condition must be a boolean, got {type_name(value)}")
            if value:
                body = cond.body
                signal = self.dispatch[type(body)](body, scope)
                if signal is None and body.next is not None:
                    return _SPECIAL.get(body.next) or Jump(body.next)
                return signal
        return None

    def for_(self, step: m.For, scope: Scope) -> Any:
        loop = step.loop
        assert loop is not None  # the loader rejects a `for` without a body
        child = Scope(scope.frame, scope)
        try:
            for index, value in enumerate(loop_items(loop, scope)):
                child.set_local(loop.value, value)
                if loop.index:
                    child.set_local(loop.index, index)
                signal = self.block(loop.block, child)
                if signal is BREAK:
                    break
                if signal is None or signal is CONTINUE:
                    continue
                return signal
        finally:
            child.close()
        return None

    # ---- calls --------------------------------------------------------------------------------------------
    def call(self, step: m.Call, scope: Scope) -> None:
        args = step.args.evaluate(scope) if step.args is not None else None
        run = self.run
        try:
            if step.function in run.definition.routines:
                result = self.call_routine(step.function, args if args is not None else {}, scope)
            else:
                fn = stdlib.lookup(step.function)
                result = self.call_stdlib(fn, args if args is not None else [], scope)
        except WorkflowError as e:
            run.record_call(step, args, None, e.value)
            raise
        run.record_call(step, args, result, None)
        if step.result:
            scope.assign(_target(step.result), result)

    def call_function(self, name: str, args: list[Any], scope: Scope) -> Any:
        """A call inside an expression: a subworkflow (positional args) or a non-blocking library function."""
        if name in self.run.definition.routines:
            return self.call_routine(name, args, scope)
        fn = stdlib.lookup(name)
        if fn is None:
            raise error("KeyError", f"unknown function {name!r}")
        return self.call_stdlib(fn, args, scope)

    def call_stdlib(self, fn: Any, args: Any, scope: Scope) -> Any:
        bound = fn.bind(args)
        try:
            if fn.runtime:
                return fn.impl(self.run.runtime, *bound)
            return fn.impl(*bound)
        except WorkflowError:
            raise
        except Exception as e:  # a defect in a library function: fail like the service's SystemError
            log.exception("library function %s failed", fn.name)
            raise error("SystemError", f"{fn.name}: internal error: {e}") from e

    def call_routine(self, name: str, args: Any, scope: Scope) -> Any:
        frame = scope.frame
        if frame.depth >= MAX_CALL_DEPTH:
            raise error("RecursionError", f"maximum call stack depth ({MAX_CALL_DEPTH}) exceeded calling {name!r}")
        routine = self.run.definition.routines[name]
        inner = replace(frame, routine=name, depth=frame.depth + 1)
        callee = Scope(inner, None, bind_params(routine, args))
        for pname, default in routine.params:
            if pname not in callee.vars and default is not None:
                callee.set_local(pname, default.evaluate(callee))
        try:
            signal = self.block(routine.block, callee)
        finally:
            callee.close()
        return signal.value if isinstance(signal, Return) else None


def bind_params(routine: m.Routine, args: Any) -> dict[str, Any]:
    names = [p for p, _ in routine.params]
    if isinstance(args, list):
        if len(args) > len(names):
            raise error("TypeError", f"{routine.name} takes {len(names)} argument(s), got {len(args)}")
        bound = dict(zip(names, args))
    elif isinstance(args, dict):
        unknown = sorted(set(args) - set(names))
        if unknown:
            raise error("TypeError", f"{routine.name}: unexpected argument(s) {', '.join(unknown)}")
        bound = dict(args)
    else:
        raise error("TypeError", f"{routine.name}: arguments must be a map, got {type_name(args)}")
    missing = [p for p, d in routine.params if d is None and p not in bound]
    if missing:
        raise error("TypeError", f"{routine.name}: missing required argument(s) {', '.join(missing)}")
    return bound


def loop_items(loop: m.Loop, scope: Scope) -> list[Any]:
    if loop.items is not None:
        items = loop.items.evaluate(scope)
        if not isinstance(items, list):
            raise error("TypeError", f"`for ... in` needs a list, got {type_name(items)} (use keys() for a map)")
        return items
    bounds = loop.range.evaluate(scope) if loop.range is not None else None
    if not isinstance(bounds, list) or len(bounds) != 2 or any(type_name(b) not in ("integer", "double") for b in bounds):
        raise error("TypeError", "`range` must be a list of two numbers [start, end]")
    start, end = bounds
    if type_name(start) == "integer" and type_name(end) == "integer":
        return list(range(start, end + 1))
    out, x = [], start
    while x <= end:
        out.append(x)
        x += 1
    return out


_TARGETS: dict[str, m.Target] = {}


def _target(name: str) -> m.Target:
    target = _TARGETS.get(name)
    if target is None:
        target = _TARGETS[name] = m.Target(name, [], name)
    return target


def _type_of(step: m.Step, run: Run) -> str:
    if isinstance(step, m.Call):
        return "STEP_SUBWORKFLOW_CALL" if step.function in run.definition.routines else "STEP_STD_LIB_CALL"
    return m.STEP_TYPES.get(type(step), "STEP_UNSPECIFIED")
