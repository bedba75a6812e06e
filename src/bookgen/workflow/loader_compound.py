"""Building the compound steps, `parallel` and `try`, for the loader."""

from __future__ import annotations

from typing import Any

from bookgen.workflow import model as m
from bookgen.workflow.source import line_of

PARALLEL_KEYS = {"exception_policy", "shared", "concurrency_limit", "branches", "for"}


def parallel(b: Any, name: str, raw: Any, line: int | None, nxt: str | None) -> m.Step:
    if not isinstance(raw, dict):
        b.fail("`parallel` must be a map with `branches` or `for`", line, name)
        return m.Parallel(name, line, nxt)
    pline = line_of(raw) or line
    for key in set(raw) - PARALLEL_KEYS:
        b.fail(f"unknown key {key!r} in `parallel`", pline, name)
    policy = raw.get("exception_policy", "continueAll")
    if policy != "continueAll":
        b.fail(f"exception_policy {policy!r} is not supported; the only policy is continueAll", pline, name)
    shared = raw.get("shared", [])
    if not isinstance(shared, list) or not all(isinstance(s, str) and b_name(s) for s in shared):
        b.fail("`shared` must be a list of variable names", pline, name)
        shared = []
    limit = raw.get("concurrency_limit")
    limit_t = None if limit is None else b.value(limit, raw, name)
    if isinstance(limit, bool) or (limit is not None and not isinstance(limit, (int, str))) or (
        isinstance(limit, int) and limit < 1
    ):
        b.fail("`concurrency_limit` must be a positive integer", pline, name)
    if ("branches" in raw) == ("for" in raw):
        b.fail("`parallel` needs exactly one of `branches` and `for`", pline, name)
        return m.Parallel(name, line, nxt, shared, limit_t)
    if "for" in raw:
        return m.Parallel(name, line, nxt, shared, limit_t, None, b.loop(raw["for"], pline, name))
    raw_branches = raw["branches"]
    if not isinstance(raw_branches, list) or len(raw_branches) < 2:
        b.fail("`branches` must list at least 2 branches", pline, name)
        return m.Parallel(name, line, nxt, shared, limit_t, [])
    if len(raw_branches) > b_limit("branches"):
        b.fail(f"a parallel step takes at most {b_limit('branches')} branches, got {len(raw_branches)}", pline, name)
    branches = []
    for item in raw_branches:
        if not isinstance(item, dict) or len(item) != 1:
            b.fail("each branch is a named step with `steps`", line_of(item) or pline, name)
            continue
        ((bname, body),) = item.items()
        bline = line_of(body) or line_of(item) or pline
        if not isinstance(body, dict) or set(body) != {"steps"}:
            b.fail(f"branch {bname!r} must contain exactly `steps`", bline, str(bname))
            continue
        branches.append(m.Branch(str(bname), b.block(body["steps"], body), bline))
    return m.Parallel(name, line, nxt, shared, limit_t, branches)


def try_step(b: Any, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
    raw = body["try"]
    if not isinstance(raw, dict) or not raw:
        b.fail("`try` must be a step body (call, assign, ...) or `steps`", line, name)
        block = m.Block([])
    elif set(raw) == {"steps"}:
        block = b.block(raw["steps"], raw)
    else:
        block = m.Block([b.step(name, raw, raw)])
    retry = None
    if "retry" in body:
        retry = b.value(body["retry"], body, name)
        raw_retry = body["retry"]
        if isinstance(raw_retry, dict):
            for key in set(raw_retry) - {"predicate", "max_retries", "backoff"}:
                b.fail(f"unknown key {key!r} in `retry`", line_of(raw_retry) or line, name)
            if "predicate" not in raw_retry:
                b.fail("`retry` needs a `predicate`", line_of(raw_retry) or line, name)
            backoff = raw_retry.get("backoff")
            if isinstance(backoff, dict):
                for key in set(backoff) - {"initial_delay", "max_delay", "multiplier"}:
                    b.fail(f"unknown key {key!r} in `backoff`", line_of(backoff) or line, name)
        elif not isinstance(raw_retry, str):
            b.fail("`retry` must be a policy `${...}` or a map with predicate, max_retries, backoff", line, name)
    except_as, except_block = None, None
    if "except" in body:
        exc = body["except"]
        if not isinstance(exc, dict) or "steps" not in exc or set(exc) - {"as", "steps"}:
            b.fail("`except` must be a map with `as` and `steps`", line_of(exc) or line, name)
        else:
            except_as = exc.get("as")
            if except_as is not None and not (isinstance(except_as, str) and b_name(except_as)):
                b.fail("`except.as` must be a variable name", line_of(exc) or line, name)
                except_as = None
            except_block = b.block(exc["steps"], exc)
    if retry is None and except_block is None:
        b.fail("`try` needs `retry`, `except`, or both", line, name)
    return m.Try(name, line, nxt, block, retry, except_as, except_block)


def b_name(s: str) -> bool:
    from bookgen.workflow.loader import NAME

    return bool(NAME.match(s))


def b_limit(key: str) -> int:
    from bookgen.workflow.loader import LIMITS

    return LIMITS[key]
