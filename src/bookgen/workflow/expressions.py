"""Expressions of the workflow language: `compile_expression(text)` parses the inside of `${...}` once into an
`Expression` whose `evaluate(env)` runs as nested Python closures (no `eval`).

Semantics (sources in tests/workflow/test_expressions.py):
- Arithmetic: int op int → int (64-bit; overflow → ValueError); any double → double; `/` always a double;
  `//` floors and `%` takes the divisor's sign (Python rules); dividing by 0 → ZeroDivisionError.
- `+` adds numbers, concatenates strings, and turns an int, double or boolean into a string when the other
  operand is a string (datatypes page, "Implicit data type conversions" table); every other mix → TypeError.
- `==`/`!=` compare any two values (deeply; 1 == 1.0; never 1 == true); `< <= > >=` need two numbers or two
  strings; `in` tests a key of a map or an element of a list; `and`/`or`/`not` need booleans, and `and`/`or`
  short-circuit.
- Field/index access: missing key → KeyError; list index not in [0, len) → IndexError; wrong types → TypeError.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from bookgen.workflow import expression_parser as ep
from bookgen.workflow.errors import WorkflowError, error
from bookgen.workflow.expression_parser import ExpressionSyntaxError, parse
from bookgen.workflow.stdlib.core import format_double
from bookgen.workflow.values import INT_MAX, INT_MIN, copy_value, type_name

__all__ = ["Env", "Expression", "ExpressionSyntaxError", "compile_expression", "format_scalar", "is_expression",
           "values_equal"]

Fn = Callable[[Any], Any]


class Env(Protocol):
    """What an expression reads from: variables, named references and functions."""

    def lookup(self, name: str) -> Any: ...  # raises LookupError when there is no such variable

    def reference(self, dotted: str) -> Any: ...  # non-variable chain, e.g. "http.default_retry"; LookupError

    def call(self, name: str, args: list) -> Any: ...


def is_expression(value: Any) -> bool:
    """True for a string that is one whole `${...}` (there is no interpolation inside longer strings)."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}") and len(value) >= 3


class Expression:
    """A compiled expression: the text, what it reads and calls, and `evaluate(env)`."""

    __slots__ = ("ast", "calls", "evaluate", "refs", "text")

    def __init__(self, text: str, ast: ep.Node):
        self.text, self.ast = text, ast
        refs: set[tuple[str, ...]] = set()
        calls: set[str] = set()
        fn = _compile(ast, refs, calls)
        self.refs: frozenset[tuple[str, ...]] = frozenset(refs)
        self.calls: frozenset[str] = frozenset(calls)
        if isinstance(ast, (ep.Unary, ep.Binary, ep.Literal)):
            self.evaluate: Fn = fn  # always a scalar: nothing to copy
        else:
            def evaluate(env: Any) -> Any:
                value = fn(env)
                return copy_value(value) if type(value) in (list, dict) else value
            self.evaluate = evaluate

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def compile_expression(text: str) -> Expression:
    """Parse and compile the inside of `${...}`; raises ExpressionSyntaxError. `evaluate` returns a fresh value
    (containers are copies, never shared with variables)."""
    return Expression(text, parse(text))


# ---- compiler: AST → closures ------------------------------------------------------------------------------
def _compile(node: ep.Node, refs: set, calls: set) -> Fn:
    if isinstance(node, ep.Literal):
        value = node.value
        return lambda env: value
    names = ep.chain(node)
    if names is not None:
        return _compile_chain(names, refs)
    if isinstance(node, ep.Attr):
        obj, key = _compile(node.obj, refs, calls), node.name
        return lambda env: get_field(obj(env), key)
    if isinstance(node, ep.Index):
        obj, idx = _compile(node.obj, refs, calls), _compile(node.index, refs, calls)
        return lambda env: get_item(obj(env), idx(env))
    if isinstance(node, ep.ListLit):
        items = [_compile(i, refs, calls) for i in node.items]
        return lambda env: [f(env) for f in items]
    if isinstance(node, ep.MapLit):
        pairs = [(k, _compile(v, refs, calls)) for k, v in node.items]
        return lambda env: {k: f(env) for k, f in pairs}
    if isinstance(node, ep.Call):
        calls.add(node.name)
        name, args = node.name, [_compile(a, refs, calls) for a in node.args]
        return lambda env: env.call(name, [f(env) for f in args])
    if isinstance(node, ep.Unary):
        operand = _compile(node.operand, refs, calls)
        fn = negate if node.op == "-" else logical_not
        return lambda env: fn(operand(env))
    if isinstance(node, ep.Binary):
        left, right = _compile(node.left, refs, calls), _compile(node.right, refs, calls)
        if node.op in ("and", "or"):
            return _logical(node.op, left, right)
        op = BINARY[node.op]
        if isinstance(node.right, ep.Literal):  # `x + 1`: skip a closure call
            const = node.right.value
            return lambda env: op(left(env), const)
        return lambda env: op(left(env), right(env))
    raise TypeError(f"unknown node {node!r}")


def _compile_chain(chain: tuple[str, ...], refs: set) -> Fn:
    """`a.b.c`: variable `a` then fields b, c; if `a` is no variable, `env.reference("a.b.c")`."""
    refs.add(chain)
    root, keys, dotted = chain[0], chain[1:], ".".join(chain)

    def read(env: Any) -> Any:
        try:
            value = env.lookup(root)
        except LookupError:
            try:
                return env.reference(dotted)
            except LookupError:
                where = f" (reading {dotted})" if keys else ""
                raise error("KeyError", f"variable {root!r} not found{where}") from None
        for key in keys:
            value = get_field(value, key)
        return value

    return read


def _logical(op: str, left: Fn, right: Fn) -> Fn:
    stop = op == "or"  # `or` stops at true, `and` at false

    def run(env: Any) -> bool:
        a = left(env)
        if a is not True and a is not False:
            raise _operands(op, a)
        if a is stop:
            return a
        b = right(env)
        if b is not True and b is not False:
            raise _operands(op, b)
        return b

    return run


# ---- access ------------------------------------------------------------------------------------------------
def get_field(obj: Any, key: str) -> Any:
    """`obj.key` and `obj["key"]`."""
    if type(obj) is dict:
        try:
            return obj[key]
        except KeyError:
            raise error("KeyError", f"key not found: {key}") from None
    raise error("TypeError", f"cannot read key {key!r} of a {type_name(obj)} (only maps have keys)")


def get_item(obj: Any, index: Any) -> Any:
    """`obj[index]`: a string key of a map or an integer index of a list."""
    if type(obj) is list:
        if type(index) is not int:
            raise error("TypeError", f"list index must be an integer, not {type_name(index)}")
        if not 0 <= index < len(obj):
            raise error("IndexError", f"list index out of range: {index} (length {len(obj)})")
        return obj[index]
    if type(obj) is dict:
        if type(index) is not str:
            raise error("TypeError", f"map key must be a string, not {type_name(index)}")
        return get_field(obj, index)
    raise error("TypeError", f"cannot index a {type_name(obj)} (only lists and maps)")


# ---- operators -----------------------------------------------------------------------------------------------
def _operands(op: str, *values: Any) -> WorkflowError:
    kinds = " and ".join(type_name(v) for v in values)
    return error("TypeError", f"unsupported operand type(s) for {op}: {kinds}")


def _int(r: int) -> int:
    if INT_MIN <= r <= INT_MAX:
        return r
    raise error("ValueError", "integer overflow: result does not fit in 64 bits")


def _dbl(r: float, a: Any, b: Any) -> float:
    if math.isfinite(r) or not (math.isfinite(a) and math.isfinite(b)):
        return r
    raise error("ValueError", "double overflow: result is not finite")


def _is_num(v: Any) -> bool:
    return (type(v) is int) or (type(v) is float)


def format_scalar(value: Any) -> str:
    """How `+` writes an int, double or boolean next to a string: as `string(value)` does."""
    if value is True or value is False:
        return "true" if value else "false"
    return format_double(value) if type(value) is float else str(value)


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _int(a + b)
    if ta is str and tb is str:
        return a + b
    if _is_num(a) and _is_num(b):
        return _dbl(a + b, a, b)
    if (ta is str or tb is str) and all(type(v) in (str, int, float, bool) for v in (a, b)):
        return format_scalar(a) + format_scalar(b)
    raise _operands("+", a, b)


def _arith(op: str, int_op: Callable[[Any, Any], Any], zero_check: bool = False) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        if not (_is_num(a) and _is_num(b)):
            raise _operands(op, a, b)
        if zero_check and b == 0:
            raise error("ZeroDivisionError", f"{op}: division by zero")
        if type(a) is int and type(b) is int and op != "/":
            return _int(int_op(a, b))
        return _dbl(float(int_op(a, b)), a, b)

    return run


def _fast_sub(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return _int(a - b)
    return _sub(a, b)


_sub = _arith("-", lambda a, b: a - b)


def _compare(op: str, test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(a: Any, b: Any) -> bool:
        if (_is_num(a) and _is_num(b)) or (type(a) is str and type(b) is str):
            return test(a, b)
        raise _operands(op, a, b)

    return run


def values_equal(a: Any, b: Any) -> bool:
    """Workflow equality: deep for lists and maps, numeric across int/double, false across other types."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        return _is_num(a) and _is_num(b) and a == b
    if ta is list:
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if ta is dict:
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def contains(item: Any, container: Any) -> bool:
    """`item in container`: a key of a map or an element of a list."""
    if type(container) is dict:
        return type(item) is str and item in container
    if type(container) is list:
        return any(values_equal(item, x) for x in container)
    raise error("TypeError", f"'in' needs a list or a map on its right, not {type_name(container)}")


def negate(v: Any) -> Any:
    if type(v) is int:
        return _int(-v)
    if type(v) is float:
        return -v
    raise error("TypeError", f"bad operand type for unary -: {type_name(v)}")


def logical_not(v: Any) -> bool:
    if v is True or v is False:
        return not v
    raise error("TypeError", f"'not' needs a boolean, not {type_name(v)}")


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": _fast_sub,
    "*": _arith("*", lambda a, b: a * b),
    "/": _arith("/", lambda a, b: a / b, zero_check=True),
    "//": _arith("//", lambda a, b: a // b, zero_check=True),
    "%": _arith("%", lambda a, b: a % b, zero_check=True),
    "<": _compare("<", lambda a, b: a < b),
    "<=": _compare("<=", lambda a, b: a <= b),
    ">": _compare(">", lambda a, b: a > b),
    ">=": _compare(">=", lambda a, b: a >= b),
    "==": values_equal,
    "!=": lambda a, b: not values_equal(a, b),
    "in": contains,
}
