"""`parallel` steps (https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps).

Branches and iterations run on threads, each in its own scope; they may only write parent variables listed
in `shared` (checked at load time), and every write then takes the execution's lock, so each read or write is
atomic. `concurrency_limit` bounds one step; at most 20 branches run at once in a whole execution (a waiting
parent gives its slot back, so nesting cannot deadlock). The only exception policy is continueAll: every
branch runs, and if any failed the step raises UnhandledBranchError listing them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bookgen.workflow import model as m
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.scope import Scope
from bookgen.workflow.values import type_name

if TYPE_CHECKING:
    from bookgen.workflow.interpreter import Interpreter

MAX_NESTING = 2


def run_parallel(interp: Interpreter, step: m.Parallel, scope: Scope) -> None:
    from bookgen.workflow.interpreter import BREAK, loop_items

    frame = scope.frame
    if frame.parallel_depth >= MAX_NESTING:
        raise error("ParallelNestingError", f"parallel steps can be nested at most {MAX_NESTING} deep")
    limit = _limit(step, scope)
    if step.loop is not None:
        loop = step.loop
        items = loop_items(loop, scope)
        work = [(f"{frame.thread}.{i}", loop.block, _loop_vars(loop, v, i), i) for i, v in enumerate(items)]
    else:
        work = [(f"{frame.thread}.{b.name}", b.block, {}, None) for b in step.branches or []]
    if not work:
        return
    run = interp.run
    errors: list[tuple[str, Any]] = []
    defects: list[BaseException] = []  # an engine defect in a branch is re-raised here, never lost
    pending = list(reversed(work))
    stop = threading.Event()  # `next: break` in a parallel for: start no further iterations
    take = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with take:
                if not pending:
                    return
                thread_id, block, initial, iteration = pending.pop()
            child_frame = replace(frame, parallel_depth=frame.parallel_depth + 1, thread=thread_id,
                                  iteration=iteration)
            run.slots.acquire()
            child = Scope(child_frame, scope)
            try:
                for name, value in initial.items():
                    child.set_local(name, value)
                if interp.block(block, child) is BREAK:
                    stop.set()
            except WorkflowError as e:
                with take:
                    errors.append((thread_id, e.value))
            except BaseException as e:  # noqa: BLE001 - handed to the parent thread below
                defects.append(e)
                stop.set()
            finally:
                child.close()
                run.slots.release()

    n_threads = min(len(work), limit or run.max_branches, run.max_branches)  # more could never run at once
    threads = [threading.Thread(target=worker, name=f"wf-{step.name}-{i}", daemon=True) for i in range(n_threads)]
    holds_slot = frame.parallel_depth > 0
    with run.lock:
        run.threads += 1
    if holds_slot:
        run.slots.release()  # a branch waiting for its children does not occupy a slot
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if holds_slot:
            run.slots.acquire()
        with run.lock:
            run.threads -= 1
    if defects:
        raise defects[0]
    if errors:
        raise _unhandled(step, errors)


def _limit(step: m.Parallel, scope: Scope) -> int | None:
    if step.concurrency_limit is None:
        return None
    limit = step.concurrency_limit.evaluate(scope)
    if type_name(limit) != "integer" or limit < 1:
        raise error("ValueError", f"concurrency_limit must be a positive integer, got {limit!r}")
    return limit


def _loop_vars(loop: m.Loop, value: Any, index: int) -> dict[str, Any]:
    return {loop.value: value, **({loop.index: index} if loop.index else {})}


def _unhandled(step: m.Parallel, errors: list[tuple[str, Any]]) -> WorkflowError:
    branches = [{"id": tid, "error": {"payload": value, "context": f"in step {step.name!r}"}}
                for tid, value in sorted(errors, key=lambda x: x[0])[:100]]
    first = errors[0][1]
    first_msg = first.get("message") if isinstance(first, dict) else first
    return error("UnhandledBranchError",
                 f"{len(errors)} branch(es) of {step.name!r} failed with an unhandled error; first: {first_msg}",
                 branches=branches, truncated=len(errors) > 100)
