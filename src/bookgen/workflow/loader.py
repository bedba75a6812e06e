"""From source text to a checked `Definition`: structure first (this module), then scopes and names
(`checks`). Every problem is collected with file, line and step; nothing runs if there is any."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bookgen.workflow import model as m
from bookgen.workflow.errors import DefinitionError, Problem
from bookgen.workflow.expressions import ExpressionSyntaxError, compile_expression, is_expression
from bookgen.workflow.source import line_of, parse_source, plain
from bookgen.workflow.values import copy_value

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STEP_KEYS = {
    "assign": {"next"}, "call": {"args", "result", "next"}, "switch": {"next"}, "return": set(), "raise": set(),
    "for": {"next"}, "parallel": {"next"}, "try": {"retry", "except", "next"}, "steps": {"next"}, "next": set(),
}
LIMITS = {"assign": 50, "switch": 50, "branches": 10}


def load(path: str | Path) -> m.Definition:
    """Read, parse and check a workflow file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise DefinitionError([Problem(f"cannot read workflow: {e.strerror}", str(path))]) from None
    return loads(text, str(path))


def loads(text: str, file: str = "<workflow>") -> m.Definition:
    from bookgen.workflow.checks import check

    raw = parse_source(text, file)
    builder = _Builder(file)
    definition = builder.definition(raw)
    problems = builder.problems or check(definition)
    if problems:
        raise DefinitionError(problems)
    return definition


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.routine = ""

    def fail(self, message: str, where: Any = None, step: str | None = None) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(Problem(message, self.file, line, step))

    # ---- file and routines -------------------------------------------------------------------------------
    def definition(self, raw: Any) -> m.Definition:
        if isinstance(raw, list):
            raw = {"main": {"steps": raw}}
        if not isinstance(raw, dict) or "main" not in raw:
            self.fail("a workflow is either a list of steps or a map with a `main` workflow", raw)
            return m.Definition(self.file, {})
        routines = {}
        for name, body in raw.items():
            self.routine = name
            if not NAME.match(name):
                self.fail(f"invalid workflow name {name!r}", body)
            routines[name] = self.routine_of(name, body)
        return m.Definition(self.file, routines)

    def routine_of(self, name: str, body: Any) -> m.Routine:
        if not isinstance(body, dict) or "steps" not in body:
            self.fail(f"workflow {name!r} must be a map with `steps`", body)
            return m.Routine(name, [], m.Block([]), line_of(body))
        for key in set(body) - {"params", "steps"}:
            self.fail(f"unknown key {key!r} in workflow {name!r}", body)
        params = self.params(name, body.get("params", []), body)
        return m.Routine(name, params, self.block(body["steps"], body), line_of(body))

    def params(self, name: str, raw: Any, where: Any) -> list[tuple[str, m.Template | None]]:
        if not isinstance(raw, list):
            self.fail(f"`params` of {name!r} must be a list", where)
            return []
        if name == "main" and len(raw) > 1:
            self.fail("`main` takes at most one parameter (the execution argument)", where)
        params: list[tuple[str, m.Template | None]] = []
        for item in raw:
            if isinstance(item, str):
                params.append((item, None))
            elif isinstance(item, dict) and len(item) == 1:
                ((pname, default),) = item.items()
                params.append((pname, self.value(default, where, None)))
            else:
                self.fail(f"invalid parameter {item!r} in {name!r}", where)
                continue
            if not NAME.match(params[-1][0]):
                self.fail(f"invalid parameter name {params[-1][0]!r}", where)
        if len({p for p, _ in params}) != len(params):
            self.fail(f"duplicate parameter in {name!r}", where)
        return params

    # ---- steps --------------------------------------------------------------------------------------------
    def block(self, raw: Any, where: Any) -> m.Block:
        if not isinstance(raw, list) or not raw:
            self.fail("`steps` must be a non-empty list of steps", where if raw is None else raw)
            return m.Block([])
        steps = []
        for item in raw:
            if not isinstance(item, dict) or len(item) != 1:
                self.fail("each step must be a map with exactly one key, the step name", item if item else raw)
                continue
            ((name, body),) = item.items()
            steps.append(self.step(str(name), body, item))
        return m.Block(steps)

    def step(self, name: str, body: Any, where: Any) -> m.Step:
        line = line_of(body) or line_of(where)
        if not isinstance(body, dict) or not body:
            self.fail("a step must be a map (assign, call, switch, for, parallel, try, steps, return, raise, next)",
                      line, name)
            return m.Jump(name, line)
        kinds = [k for k in body if k in STEP_KEYS and k != "next"] or (["next"] if "next" in body else [])
        if len(kinds) != 1:
            what = "no step type" if not kinds else f"more than one step type ({', '.join(kinds)})"
            self.fail(f"step has {what}; keys: {', '.join(body)}", line, name)
            return m.Jump(name, line)
        kind = kinds[0]
        for key in set(body) - {kind} - STEP_KEYS[kind]:
            self.fail(f"unknown key {key!r} in a {kind} step", line, name)
        nxt = body.get("next")
        if nxt is not None and not isinstance(nxt, str):
            self.fail("`next` must be a step name, end, break or continue", line, name)
            nxt = None
        return getattr(self, f"step_{kind}")(name, body, line, nxt)

    def step_next(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        return m.Jump(name, line, nxt)

    def step_assign(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        raw = body["assign"]
        if not isinstance(raw, list) or not raw:
            self.fail("`assign` must be a non-empty list of single-key maps", line, name)
            return m.Assign(name, line, nxt)
        if len(raw) > LIMITS["assign"]:
            self.fail(f"an assign step takes at most {LIMITS['assign']} assignments", line, name)
        items = []
        for item in raw:
            if not isinstance(item, dict) or len(item) != 1:
                self.fail("each assignment must be a single-key map `target: value`", line_of(item) or line, name)
                continue
            ((target, value),) = item.items()
            parsed = self.target(str(target), line_of(item) or line, name)
            if parsed:
                items.append((parsed, self.value(value, item, name)))
        return m.Assign(name, line, nxt, items)

    def step_call(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        function = body["call"]
        if not isinstance(function, str) or not function:
            self.fail("`call` must name a function or subworkflow", line, name)
            function = ""
        args = body.get("args")
        if args is not None and not isinstance(args, (dict, list)):
            self.fail("`args` must be a map (or a list of positional arguments)", line, name)
            args = None
        result = body.get("result")
        if result is not None and (not isinstance(result, str) or not NAME.match(result)):
            self.fail(f"`result` must be a variable name, not {result!r}", line, name)
            result = None
        template = None if args is None else self.value(args, body, name)
        names = [] if args is None else None
        if isinstance(args, dict) and not any(is_expression(k) for k in args):
            names = list(args)
        return m.Call(name, line, nxt, function, template, result, names)

    def step_switch(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        raw = body["switch"]
        if not isinstance(raw, list) or not raw:
            self.fail("`switch` must be a non-empty list of conditions", line, name)
            return m.Switch(name, line, nxt)
        if len(raw) > LIMITS["switch"]:
            self.fail(f"a switch takes at most {LIMITS['switch']} conditions", line, name)
        conditions = []
        for item in raw:
            cline = line_of(item) or line
            if not isinstance(item, dict) or "condition" not in item:
                self.fail("each switch entry needs a `condition`", cline, name)
                continue
            rest = {k: v for k, v in item.items() if k != "condition"}
            if not rest:
                self.fail("a switch condition needs `next`, `steps`, `assign`, `call`, `return` or `raise`",
                          cline, name)
                continue
            embedded = self.step(name, _with_line(rest, cline), item)
            conditions.append(m.Condition(self.value(item["condition"], item, name), embedded, cline))
        return m.Switch(name, line, nxt, conditions)

    def step_return(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        return m.Return(name, line, None, self.value(body["return"], body, name))

    def step_raise(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        return m.Raise(name, line, None, self.value(body["raise"], body, name))

    def step_steps(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        return m.Steps(name, line, nxt, self.block(body["steps"], body))

    def step_for(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        return m.For(name, line, nxt, self.loop(body["for"], line, name))

    def step_parallel(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        from bookgen.workflow.loader_compound import parallel

        return parallel(self, name, body["parallel"], line, nxt)

    def step_try(self, name: str, body: dict, line: int | None, nxt: str | None) -> m.Step:
        from bookgen.workflow.loader_compound import try_step

        return try_step(self, name, body, line, nxt)

    def loop(self, raw: Any, line: int | None, name: str) -> m.Loop | None:
        if not isinstance(raw, dict):
            self.fail("`for` must be a map with value, in or range, and steps", line, name)
            return None
        for key in set(raw) - {"value", "index", "in", "range", "steps"}:
            self.fail(f"unknown key {key!r} in `for`", line_of(raw) or line, name)
        value, index = raw.get("value"), raw.get("index")
        if not isinstance(value, str) or not NAME.match(value):
            self.fail("`for` needs `value`: a variable name", line_of(raw) or line, name)
            value = "_"
        if index is not None and (not isinstance(index, str) or not NAME.match(index)):
            self.fail("`index` must be a variable name", line_of(raw) or line, name)
            index = None
        if ("in" in raw) == ("range" in raw):
            self.fail("`for` needs exactly one of `in` and `range`", line_of(raw) or line, name)
        items = self.value(raw["in"], raw, name) if "in" in raw else None
        rng = None
        if "range" in raw:
            r = raw["range"]
            if isinstance(r, list) and (len(r) != 2 or any(is_expression(x) for x in r)):
                self.fail("`range` is a list of two numbers, or one expression `${[a, b]}`", line_of(raw), name)
            rng = self.value(r, raw, name)
        return m.Loop(value, index, items, rng, self.block(raw.get("steps"), raw), line_of(raw) or line)

    # ---- values -------------------------------------------------------------------------------------------
    def value(self, raw: Any, where: Any, step: str | None) -> m.Template:
        line = line_of(raw) or line_of(where)
        expressions: list[Any] = []
        fn = self._compile(raw, expressions, line, step)
        if fn is None:
            return m.Template.of_constant(plain(raw), line)
        return m.Template(fn, expressions, line)

    def _compile(self, raw: Any, expressions: list, line: int | None, step: str | None):
        """A function building the value, or None when the value is a constant."""
        if isinstance(raw, str):
            if not is_expression(raw):
                return None
            try:
                expr = compile_expression(raw[2:-1])
            except ExpressionSyntaxError as e:
                self.fail(f"invalid expression {raw!r}: {e}", line, step)
                return None
            expressions.append(expr)
            return expr.evaluate
        if isinstance(raw, list):
            parts = [self._compile(v, expressions, line_of(v) or line, step) for v in raw]
            if all(p is None for p in parts):
                return None
            consts = [plain(v) for v in raw]
            fns = [p or (lambda env, c=c: copy_value(c)) for p, c in zip(parts, consts)]
            return lambda env: [f(env) for f in fns]
        if isinstance(raw, dict):
            items = []
            for k, v in raw.items():
                kf = self._compile(k, expressions, line_of(raw) or line, step) if isinstance(k, str) else None
                vf = self._compile(v, expressions, line_of(v) or line, step)
                items.append((k, kf, v, vf))
            if all(kf is None and vf is None for _, kf, _, vf in items):
                return None
            return lambda env: _build_map(env, items)
        return None

    def target(self, text: str, line: int | None, step: str) -> m.Target | None:
        from bookgen.workflow.targets import parse_target

        try:
            return parse_target(text)
        except ExpressionSyntaxError as e:
            self.fail(f"invalid assignment target {text!r}: {e}", line, step)
            return None


def _build_map(env: Any, items: list) -> dict:
    from bookgen.workflow.errors import error

    out = {}
    for k, kf, v, vf in items:
        key = kf(env) if kf else k
        if not isinstance(key, str):
            raise error("TypeError", f"map keys must be strings, got {key!r}")
        out[key] = vf(env) if vf else copy_value(plain(v))
    return out


def _with_line(d: dict, line: int | None) -> Any:
    from bookgen.workflow.source import Node

    node = Node(d)
    node.line = line
    return node
