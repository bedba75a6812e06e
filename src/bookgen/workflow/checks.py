"""Deploy-time checks over a built `Definition`: names, jumps, functions and variable scopes.

Scopes follow the variables page (https://cloud.google.com/workflows/docs/reference/syntax/variables):
a routine is a scope; `for` bodies, `except` blocks and parallel branches/iterations are child scopes whose new
variables vanish when they end; nested `steps`, `try` bodies and switch bodies are not scopes. A branch may only
write parent variables listed in `shared` (parallel-steps page). A variable counts as defined in a scope if
it is assigned anywhere at that scope's level (the service's check is not flow-sensitive either).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bookgen.workflow import model as m
from bookgen.workflow import stdlib
from bookgen.workflow.errors import Problem
from bookgen.workflow.references import is_reference

UNSUPPORTED_PREFIXES = ("googleapis.", "events.", "experimental.")


@dataclass(eq=False)
class Scope:
    kind: str  # routine | for | except | branch
    line: int | None
    parent: Scope | None
    names: set[str] = field(default_factory=set)
    shared: set[str] | None = None  # set for parallel branches/iterations: writable parent variables

    def defines(self, name: str) -> bool:
        return name in self.names


class Checker:
    def __init__(self, definition: m.Definition):
        self.d = definition
        self.problems: list[Problem] = []
        self.routine = ""
        self.elsewhere: dict[str, tuple[str, int | None]] = {}  # name -> (scope kind, line) of child scopes

    def fail(self, message: str, line: int | None, step: str | None = None) -> None:
        self.problems.append(Problem(message, self.d.file, line, step))

    def run(self) -> list[Problem]:
        for routine in self.d.routines.values():
            self.routine = routine.name
            self.elsewhere = {}
            self.duplicates(routine)
            scope = Scope("routine", routine.line, None, {p for p, _ in routine.params})
            for _, default in routine.params:
                if default is not None:
                    self.template(default, scope, None)
            self.collect_children(routine.block)
            self.block(routine.block, scope, [routine.block], loop=False)
        return self.problems

    # ---- names --------------------------------------------------------------------------------------------
    def duplicates(self, routine: m.Routine) -> None:
        seen: dict[str, int | None] = {}
        for step in _all_steps(routine.block):
            if step.name in seen:
                self.fail(f"duplicate step name {step.name!r} in {routine.name!r} (first at line {seen[step.name]})",
                          step.line, step.name)
            else:
                seen[step.name] = step.line

    def collect_children(self, block: m.Block) -> None:
        """Remember where loop/except/branch-local variables live, to explain misuse outside them."""
        for step in _all_steps(block):
            for kind, line, names in _child_scopes(step):
                for name in names:
                    self.elsewhere.setdefault(name, (kind, line))

    # ---- steps --------------------------------------------------------------------------------------------
    def block(self, block: m.Block, scope: Scope, visible: list[m.Block], loop: bool) -> None:
        # a name the parent scopes already define is a write to that variable, not a new local
        scope.names |= {n for n in _assigned(block) if _lookup(scope.parent, n) is None}
        for step in block.steps:
            self.step(step, scope, visible, loop)

    def step(self, step: m.Step, scope: Scope, visible: list[m.Block], loop: bool) -> None:
        self.jump(step, visible, loop)
        if isinstance(step, m.Assign):
            for target, value in step.items:
                self.template(value, scope, step)
                for part in target.path:
                    self.template(part, scope, step)
                self.write(target.root, scope, step)
        elif isinstance(step, m.Call):
            self.call(step, scope)
        elif isinstance(step, m.Switch):
            for cond in step.conditions:
                self.template(cond.condition, scope, step)
                self.step(cond.body, scope, visible, loop)
        elif isinstance(step, (m.Return, m.Raise)):
            if step.value is not None:
                self.template(step.value, scope, step)
        elif isinstance(step, m.Steps):
            self.block(step.block, scope, [step.block, *visible], loop)
        elif isinstance(step, m.For) and step.loop:
            self.loop(step.loop, Scope("for", step.loop.line, scope), step)
        elif isinstance(step, m.Parallel):
            self.parallel(step, scope)
        elif isinstance(step, m.Try):
            self.block(step.body, scope, [step.body, *visible], loop)
            if step.retry is not None:
                self.template(step.retry, scope, step)
            if step.except_block is not None:
                child = Scope("except", step.line, scope, {step.except_as} if step.except_as else set())
                self.block(step.except_block, child, [step.except_block, *visible], loop)

    def loop(self, loop: m.Loop, scope: Scope, step: m.Step) -> None:
        for t in (loop.items, loop.range):
            if t is not None:
                self.template(t, scope.parent or scope, step)
        names = {loop.value} | ({loop.index} if loop.index else set())
        for name in sorted(n for n in names if _lookup(scope.parent, n) is not None):
            # iteration page: "must not be used in assignments or expressions outside of the loop", and a name
            # may be reused by several loops "as long as they are not nested"
            self.fail(f"loop variable {name!r} is also used outside the loop (or by an enclosing loop)",
                      loop.line, step.name)
        scope.names |= names
        self.block(loop.block, scope, [loop.block], loop=True)

    def parallel(self, step: m.Parallel, scope: Scope) -> None:
        shared = set(step.shared)
        for name in sorted(shared):
            if _lookup(scope, name) is None:
                self.fail(f"shared variable {name!r} must be assigned before the parallel step", step.line, step.name)
        if step.concurrency_limit is not None:
            self.template(step.concurrency_limit, scope, step)
        if step.loop is not None:
            self.loop(step.loop, Scope("branch", step.loop.line, scope, shared=shared), step)
        for branch in step.branches or []:
            child = Scope("branch", branch.line, scope, shared=shared)
            self.block(branch.block, child, [branch.block], loop=False)

    def jump(self, step: m.Step, visible: list[m.Block], loop: bool) -> None:
        target = step.next
        if target is None or target == "end":
            return
        if target in ("break", "continue"):
            if not loop:
                self.fail(f"`next: {target}` is only allowed inside a for loop", step.line, step.name)
            return
        if not any(target in b.index for b in visible):
            self.fail(f"`next` refers to unknown step {target!r}", step.line, step.name)

    def call(self, step: m.Call, scope: Scope) -> None:
        if step.args is not None:
            self.template(step.args, scope, step)
        name = step.function
        if name in self.d.routines:
            self.subworkflow_args(step)
        elif name.startswith(UNSUPPORTED_PREFIXES):
            self.fail(f"{name!r} is not supported by the local engine (connectors, callbacks and "
                      "experimental functions need Google Cloud)", step.line, step.name)
        elif stdlib.lookup(name) is None:
            self.fail(f"unknown function or subworkflow {name!r}", step.line, step.name)
        if step.result:
            self.write(step.result, scope, step)

    def subworkflow_args(self, step: m.Call) -> None:
        routine = self.d.routines[step.function]
        if routine.name == "main":
            self.fail("`main` cannot be called as a subworkflow", step.line, step.name)
        if step.arg_names is None:  # positional list or computed keys: checked when it runs
            return
        params = {p for p, _ in routine.params}
        for extra in sorted(set(step.arg_names) - params):
            self.fail(f"subworkflow {routine.name!r} has no parameter {extra!r}", step.line, step.name)
        for missing in sorted({p for p, d in routine.params if d is None} - set(step.arg_names)):
            self.fail(f"subworkflow {routine.name!r} needs argument {missing!r}", step.line, step.name)

    # ---- variables ----------------------------------------------------------------------------------------
    def write(self, name: str, scope: Scope, step: m.Step) -> None:
        s: Scope | None = scope
        while s is not None:
            if s.defines(name):
                return
            if s.shared is not None and s.parent is not None and _lookup(s.parent, name) is not None:
                if name not in s.shared:
                    self.fail(f"variable {name!r} is defined outside the parallel step; list it in `shared` "
                              "to assign it in a branch", step.line, step.name)
                return
            s = s.parent

    def template(self, template: m.Template, scope: Scope, step: m.Step | None) -> None:
        for expr in template.expressions:
            for chain in expr.refs:
                root = chain[0]
                if _lookup(scope, root) is not None or is_reference(chain, self.d.routines):
                    continue
                where = self.elsewhere.get(root)
                if where:
                    kind = {"for": "for loop", "except": "except block", "branch": "parallel branch"}[where[0]]
                    self.fail(f"variable {root!r} is local to the {kind} at line {where[1]} and cannot be used "
                              "outside it", template.line or (step.line if step else None), step and step.name)
                else:
                    self.fail(f"undefined variable {root!r} in ${{{expr.text}}}",
                              template.line or (step.line if step else None), step and step.name)
            for name in expr.calls:
                self.expression_call(name, template, step)

    def expression_call(self, name: str, template: m.Template, step: m.Step | None) -> None:
        line = template.line or (step.line if step else None)
        if name in self.d.routines:
            return
        fn = stdlib.lookup(name)
        if fn is None:
            self.fail(f"unknown function {name!r}", line, step and step.name)
        elif fn.blocking:
            self.fail(f"{name!r} is blocking and can only be used in a call step, not in an expression",
                      line, step and step.name)


def check(definition: m.Definition) -> list[Problem]:
    return Checker(definition).run()


def _lookup(scope: Scope | None, name: str) -> Scope | None:
    while scope is not None:
        if scope.defines(name):
            return scope
        scope = scope.parent
    return None


def _assigned(block: m.Block) -> set[str]:
    """Names assigned at this scope level (not inside child scopes)."""
    names: set[str] = set()
    for step in block.steps:
        names |= _assigned_by(step)
    return names


def _assigned_by(step: m.Step) -> set[str]:
    if isinstance(step, m.Assign):
        return {t.root for t, _ in step.items}
    if isinstance(step, m.Call):
        return {step.result} if step.result else set()
    if isinstance(step, m.Switch):
        return set().union(*(_assigned_by(c.body) for c in step.conditions)) if step.conditions else set()
    if isinstance(step, m.Steps):
        return _assigned(step.block)
    if isinstance(step, m.Try):
        return _assigned(step.body)
    return set()


def _child_scopes(step: m.Step):
    if isinstance(step, m.For) and step.loop:
        yield "for", step.loop.line, _loop_names(step.loop)
    if isinstance(step, m.Parallel):
        if step.loop:
            yield "branch", step.loop.line, _loop_names(step.loop)
        for b in step.branches or []:
            yield "branch", b.line, _assigned(b.block)
    if isinstance(step, m.Try) and step.except_block:
        yield "except", step.line, _assigned(step.except_block) | ({step.except_as} if step.except_as else set())


def _loop_names(loop: m.Loop) -> set[str]:
    return _assigned(loop.block) | {loop.value} | ({loop.index} if loop.index else set())


def _all_steps(block: m.Block):
    """Every named step under a block (embedded switch/try bodies share their parent's name)."""
    for step in block.steps:
        yield step
        yield from _children(step)


def _children(step: m.Step):
    if isinstance(step, m.Steps):
        yield from _all_steps(step.block)
    elif isinstance(step, m.For) and step.loop:
        yield from _all_steps(step.loop.block)
    elif isinstance(step, m.Parallel):
        if step.loop:
            yield from _all_steps(step.loop.block)
        for b in step.branches or []:
            yield from _all_steps(b.block)
    elif isinstance(step, m.Try):
        for inner in step.body.steps:
            if inner.name == step.name:
                yield from _children(inner)
            else:
                yield inner
                yield from _children(inner)
        if step.except_block:
            yield from _all_steps(step.except_block)
    elif isinstance(step, m.Switch):
        for c in step.conditions:
            yield from _children(c.body)
