"""The parsed form of a workflow: routines, blocks of steps, and compiled values.

Built once by `loader.load`, checked by `checks.check`, executed many times by `engine.Engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bookgen.workflow.values import copy_value


@dataclass(eq=False)
class Template:
    """A value from the source with its `${...}` expressions compiled; `evaluate(env)` builds a fresh value."""

    evaluate: Callable[[Any], Any]
    expressions: list[Any] = field(default_factory=list)  # every Expression inside, for the static checks
    line: int | None = None

    @property
    def constant(self) -> bool:
        return not self.expressions

    @staticmethod
    def of_constant(value: Any, line: int | None = None) -> Template:
        if isinstance(value, (list, dict)):
            return Template(lambda env, v=value: copy_value(v), line=line)
        return Template(lambda env, v=value: v, line=line)


@dataclass(eq=False)
class Target:
    """Where an assignment writes: a root variable and a path of keys/indexes (`m.k`, `m["k"]`, `l[i]`)."""

    root: str
    path: list[Template]  # each evaluates to a str (map key) or int (list index)
    text: str


@dataclass(eq=False)
class Step:
    name: str
    line: int | None
    next: str | None = None


@dataclass(eq=False)
class Assign(Step):
    items: list[tuple[Target, Template]] = field(default_factory=list)


@dataclass(eq=False)
class Call(Step):
    function: str = ""
    args: Template | None = None
    result: str | None = None
    arg_names: list[str] | None = None  # literal argument names, when `args` is a map with constant keys


@dataclass(eq=False)
class Condition:
    condition: Template
    body: Step  # an embedded step (possibly only `next`)
    line: int | None = None


@dataclass(eq=False)
class Switch(Step):
    conditions: list[Condition] = field(default_factory=list)


@dataclass(eq=False)
class Return(Step):
    value: Template | None = None


@dataclass(eq=False)
class Raise(Step):
    value: Template | None = None


@dataclass(eq=False)
class Jump(Step):
    """A step that only has `next`."""


@dataclass(eq=False)
class Block:
    """A list of steps and where each name sits, for `next` jumps."""

    steps: list[Step]
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {s.name: i for i, s in enumerate(self.steps)}


@dataclass(eq=False)
class Steps(Step):
    block: Block = field(default_factory=lambda: Block([]))


@dataclass(eq=False)
class Loop:
    value: str
    index: str | None
    items: Template | None  # `in`
    range: Template | None  # `range`: evaluates to [start, end], both inclusive
    block: Block
    line: int | None = None


@dataclass(eq=False)
class For(Step):
    loop: Loop | None = None


@dataclass(eq=False)
class Branch:
    name: str
    block: Block
    line: int | None = None


@dataclass(eq=False)
class Parallel(Step):
    shared: list[str] = field(default_factory=list)
    concurrency_limit: Template | None = None
    branches: list[Branch] | None = None
    loop: Loop | None = None


@dataclass(eq=False)
class Try(Step):
    body: Block = field(default_factory=lambda: Block([]))
    retry: Template | None = None  # evaluates to a policy map or a FunctionRef
    except_as: str | None = None
    except_block: Block | None = None


@dataclass(eq=False)
class Routine:
    name: str
    params: list[tuple[str, Template | None]]  # (name, default or None when required)
    block: Block
    line: int | None = None


@dataclass(eq=False)
class Definition:
    file: str
    routines: dict[str, Routine]

    @property
    def main(self) -> Routine:
        return self.routines["main"]


STEP_TYPES: dict[type, str] = {
    Assign: "STEP_ASSIGN", Switch: "STEP_SWITCH", Return: "STEP_RETURN", Raise: "STEP_RAISE", Jump: "STEP_GOTO",
    Steps: "STEP_STEPS", For: "STEP_FOR", Parallel: "STEP_PARALLEL", Try: "STEP_TRY_RETRY_EXCEPT",
}
