"""The standard library: every function a workflow may call, by its dotted name.

A function is a plain Python callable registered with `@function(...)`. Positional arguments (expressions,
`args: [..]` lists) map to `params` in order; named arguments (`args: {..}` in a call step) map by name.
Functions marked `blocking` (HTTP, sys.sleep, sys.log, ...) may only be used in `call` steps, never inside
an expression. Functions marked `runtime` receive the execution's `Runtime` as first argument.

Values in and out are workflow values (see `bookgen.workflow.values`); errors are `WorkflowError`s with the
documented tags (`bookgen.workflow.errors.error`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bookgen.workflow.errors import error


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable[..., Any]
    params: tuple[str, ...]
    required: int
    blocking: bool = False
    runtime: bool = False

    def bind(self, args: list[Any] | dict[str, Any]) -> list[Any]:
        """Turn positional or named arguments into the positional list `impl` takes (TypeError if they don't fit)."""
        if isinstance(args, dict):
            unknown = sorted(set(args) - set(self.params))
            if unknown:
                raise error("TypeError", f"{self.name}: unexpected argument(s) {', '.join(unknown)}")
            last = max((self.params.index(k) for k in args), default=-1)
            positional = [args.get(p, _MISSING) for p in self.params[: last + 1]]
        else:
            if len(args) > len(self.params):
                raise error("TypeError", f"{self.name}: takes at most {len(self.params)} argument(s), got {len(args)}")
            positional = list(args)
        missing = [p for p, v in zip(self.params, positional) if v is _MISSING][: self.required]
        if len(positional) < self.required or any(p in missing for p in self.params[: self.required]):
            need = [p for i, p in enumerate(self.params[: self.required]) if i >= len(positional) or positional[i] is _MISSING]
            raise error("TypeError", f"{self.name}: missing required argument(s) {', '.join(need)}")
        # Optional arguments skipped by name are passed as None (Python defaults handle them).
        return [None if v is _MISSING else v for v in positional]


_MISSING = object()
REGISTRY: dict[str, Function] = {}


def function(
    name: str, params: tuple[str, ...] | list[str] = (), required: int | None = None,
    blocking: bool = False, runtime: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `impl` under the dotted `name`. `required` defaults to all params."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise RuntimeError(f"stdlib function registered twice: {name}")
        n = len(params) if required is None else required
        REGISTRY[name] = Function(name, impl, tuple(params), n, blocking, runtime)
        return impl

    return register


def lookup(name: str) -> Function | None:
    _load_all()
    return REGISTRY.get(name)


def names() -> list[str]:
    _load_all()
    return sorted(REGISTRY)


_loaded = False


def _load_all() -> None:
    """Import every module of the library once (each registers its functions)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
