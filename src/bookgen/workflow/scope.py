"""Variables at run time: a chain of scopes, value semantics, and the 512 KB memory accounting.

A `Scope` is what expressions evaluate against (it implements `expressions.Env`). Reads walk up the chain;
an assignment writes where the variable already lives, or creates it in the innermost scope.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from bookgen.workflow.errors import error
from bookgen.workflow.references import resolve
from bookgen.workflow.values import copy_value, size_of, type_name

if TYPE_CHECKING:
    from bookgen.workflow.interpreter import Frame


class Scope:
    __slots__ = ("frame", "parent", "sizes", "vars")

    def __init__(self, frame: Frame, parent: Scope | None = None, initial: dict[str, Any] | None = None):
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
    def owner(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return None

    def set_local(self, name: str, value: Any) -> None:
        """Create `name` in this scope (parameters, loop variables, `except as`)."""
        value = copy_value(value)
        with self._guard():
            self._store(name, value)

    def assign(self, target: Any, value: Any) -> None:
        """Assign a (copied) value to a target `root[.path]`, where the root variable lives (or here, if new).

        Containers held by variables are never changed in place: a path assignment copies the containers along
        the path and then replaces the root, so a parallel branch reading the old root never sees a half-done
        write (reads and writes of shared variables are atomic)."""
        value = copy_value(value)
        keys = [part.evaluate(self) for part in target.path]
        with self._guard():
            owner = self.owner(target.root) or self
            if keys:
                if target.root not in owner.vars:
                    raise error("KeyError", f"variable {target.root!r} is not defined (assigning {target.text})")
                value = _replaced(owner.vars[target.root], keys, value, target.text)
            owner._store(target.root, value)

    def _store(self, name: str, value: Any) -> None:
        """Set `name`, unless the execution's variables would then use more than the memory limit."""
        run = self.frame.run
        new = size_of(value)
        total = run.memory + new - self.sizes.get(name, 0)
        if total > run.memory_limit:
            raise error("ResourceLimitError", f"memory limit exceeded: variables would use {total} bytes, "
                        f"more than {run.memory_limit} (assigning {name!r})")
        run.memory = total
        self.sizes[name] = new
        self.vars[name] = value

    def _guard(self) -> Any:
        """The execution's lock while parallel branches run; nothing to lock otherwise."""
        run = self.frame.run
        return run.lock if run.threads else nullcontext()

    def close(self) -> None:
        """The scope ends: its variables no longer count against the memory limit."""
        with self._guard():
            self.frame.run.memory -= sum(self.sizes.values())
        self.sizes.clear()

def _replaced(root: Any, keys: list[Any], value: Any, text: str) -> Any:
    """A shallow copy of `root` with `value` stored at the path `keys` (missing map keys on the way are created)."""
    top = container = _shallow(root, text)
    for key in keys[:-1]:
        child = _shallow(_child(container, key, text), text)
        container[key] = child
        container = child
    _check_key(container, keys[-1], text)
    container[keys[-1]] = value
    return top


def _shallow(container: Any, text: str) -> Any:
    if isinstance(container, dict):
        return dict(container)
    if isinstance(container, list):
        return list(container)
    raise error("TypeError", f"cannot assign into a {type_name(container)} in {text}")


def _child(container: Any, key: Any, text: str) -> Any:
    _check_key(container, key, text)
    if isinstance(container, dict) and key not in container:
        return {}
    return container[key]


def _check_key(container: Any, key: Any, text: str) -> None:
    if isinstance(container, dict):
        if not isinstance(key, str):
            raise error("TypeError", f"map keys must be strings, got {type_name(key)} in {text}")
    else:
        _check_index(container, key, text)


def _check_index(container: list, key: Any, text: str) -> None:
    if type_name(key) != "integer":
        raise error("TypeError", f"list indexes must be integers, got {type_name(key)} in {text}")
    if not 0 <= key < len(container):
        raise error("IndexError", f"list index {key} out of range (length {len(container)}) in {text}")
