"""Variables at run time: a chain of scopes, value semantics, and the 512 KB memory accounting.

A `Scope` is what expressions evaluate against (it implements `expressions.Env`). Reads walk up the chain;
an assignment writes where the variable already lives, or creates it in the innermost scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bookgen.workflow.errors import error
from bookgen.workflow.references import resolve
from bookgen.workflow.values import copy_value, size_of, type_name

if TYPE_CHECKING:
    from bookgen.workflow.interpreter import Frame


class Scope:
    __slots__ = ("vars", "sizes", "parent", "frame")

    def __init__(self, frame: "Frame", parent: "Scope | None" = None, initial: dict[str, Any] | None = None):
        self.frame = frame
        self.parent = parent
        self.vars: dict[str, Any] = {}
        self.sizes: dict[str, int] = {}
        for name, value in (initial or {}).items():
            self.set_local(name, value)

    # ---- expressions.Env ----------------------------------------------------------------------------------
    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            vars_ = scope.vars
            if name in vars_:
                return vars_[name]
            scope = scope.parent
        raise LookupError(name)

    def reference(self, dotted: str) -> Any:
        return resolve(dotted, self.frame.run.definition.routines)

    def call(self, name: str, args: list[Any]) -> Any:
        return self.frame.interpreter.call_function(name, args, self)

    # ---- writes -------------------------------------------------------------------------------------------
    def owner(self, name: str) -> "Scope | None":
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return None

    def set_local(self, name: str, value: Any) -> None:
        """Create `name` in this scope (parameters, loop variables, `except as`)."""
        value = copy_value(value)
        self.vars[name] = value
        run = self.frame.run
        if run.threads:
            with run.lock:
                self._account(name, value)
        else:
            self._account(name, value)

    def assign(self, target: Any, value: Any) -> None:
        """Assign a (copied) value to a target `root[.path]`."""
        value = copy_value(value)
        run = self.frame.run
        if run.threads:
            with run.lock:
                self._assign(target, value)
        else:
            self._assign(target, value)

    def _assign(self, target: Any, value: Any) -> None:
        owner = self.owner(target.root) or self
        if not target.path:
            owner.vars[target.root] = value
            owner._account(target.root, value)
            return
        if target.root not in owner.vars:
            raise error("KeyError", f"variable {target.root!r} is not defined (assigning {target.text})")
        container = owner.vars[target.root]
        keys = [part.evaluate(self) for part in target.path]
        for key in keys[:-1]:
            container = _child(container, key, target.text, create=True)
        _store(container, keys[-1], value, target.text)
        owner._account(target.root, owner.vars[target.root])

    def _account(self, name: str, value: Any) -> None:
        run = self.frame.run
        new = size_of(value)
        run.memory += new - self.sizes.get(name, 0)
        self.sizes[name] = new
        if run.memory > run.memory_limit:
            raise error("ResourceLimitError", f"memory limit exceeded: variables use {run.memory} bytes, "
                        f"more than {run.memory_limit} (assigning {name!r})")

    def close(self) -> None:
        """The scope ends: its variables no longer count against the memory limit."""
        run = self.frame.run
        if run.threads:
            with run.lock:
                run.memory -= sum(self.sizes.values())
        else:
            run.memory -= sum(self.sizes.values())
        self.sizes.clear()


def _child(container: Any, key: Any, text: str, create: bool) -> Any:
    if isinstance(container, dict):
        if not isinstance(key, str):
            raise error("TypeError", f"map keys must be strings, got {type_name(key)} in {text}")
        if key not in container:
            if not create:
                raise error("KeyError", f"key not found: {key} in {text}")
            container[key] = {}
        return container[key]
    if isinstance(container, list):
        _check_index(container, key, text)
        return container[key]
    raise error("TypeError", f"cannot index a {type_name(container)} in {text}")


def _store(container: Any, key: Any, value: Any, text: str) -> None:
    if isinstance(container, dict):
        if not isinstance(key, str):
            raise error("TypeError", f"map keys must be strings, got {type_name(key)} in {text}")
        container[key] = value
    elif isinstance(container, list):
        _check_index(container, key, text)
        container[key] = value
    else:
        raise error("TypeError", f"cannot assign into a {type_name(container)} in {text}")


def _check_index(container: list, key: Any, text: str) -> None:
    if type_name(key) != "integer":
        raise error("TypeError", f"list indexes must be integers, got {type_name(key)} in {text}")
    if not 0 <= key < len(container):
        raise error("IndexError", f"list index {key} out of range (length {len(container)}) in {text}")
