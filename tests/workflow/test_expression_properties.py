"""Property tests of `bookgen.workflow.expressions` (hypothesis).

Semantics under test: https://cloud.google.com/workflows/docs/reference/syntax/datatypes (precedence, int/double,
`+` conversions) and https://cloud.google.com/workflows/docs/reference/syntax/expressions (`/` float division,
`//` floor division, `%` remainder).
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bookgen.workflow import expression_parser as ep
from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.expressions import Expression, compile_expression, values_equal
from bookgen.workflow.stdlib.core import string
from bookgen.workflow.values import INT_MAX, INT_MIN

INT64 = st.integers(INT_MIN, INT_MAX)
SMALL = st.integers(-50, 50)
DOUBLES = st.floats(allow_nan=False, allow_infinity=False)


class Env:
    def __init__(self, variables: dict[str, Any]):
        self.variables = variables

    def lookup(self, name: str) -> Any:
        return self.variables[name]

    def reference(self, dotted: str) -> Any:
        raise LookupError(dotted)

    def call(self, name: str, args: list) -> Any:
        return len(args)


VARS = {"x": 7, "y": -3, "d": 2.5, "s": "str", "t": True, "n": None, "l": [1, "a", [2.0]], "m": {"k": 1, "j": [3]}}
ENV = Env(VARS)


def outcome(expr: Expression, env: Env = ENV) -> tuple[str, Any]:
    try:
        return ("ok", expr.evaluate(env))
    except WorkflowError as e:
        return ("error", e.tags)


def same(a: Any, b: Any) -> bool:
    """Strict equality: same types all the way down (1 is not 1.0 here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


# ---- generated ASTs ---------------------------------------------------------------------------------------------
SCALARS = st.one_of(
    st.none(), st.booleans(), SMALL, INT64, DOUBLES, st.text(max_size=8),
).map(ep.Literal)
LEAVES = st.one_of(SCALARS, st.sampled_from(sorted(VARS)).map(ep.Name))


def _branches(children: st.SearchStrategy[ep.Node]) -> st.SearchStrategy[ep.Node]:
    return st.one_of(
        st.builds(ep.Binary, st.sampled_from(sorted(ep.BINARY_PREC)), children, children),
        st.builds(ep.Unary, st.sampled_from(["-", "not"]), children),
        st.lists(children, max_size=3).map(lambda items: ep.ListLit(tuple(items))),
        st.lists(st.tuples(st.text(max_size=3), children), max_size=3).map(lambda kv: ep.MapLit(tuple(kv))),
        st.builds(ep.Index, children, children),
        st.builds(ep.Attr, children, st.sampled_from(["k", "j", "in", "x"])),
        st.lists(children, max_size=2).map(lambda args: ep.Call("f", tuple(args))),
        st.lists(children, max_size=2).map(lambda args: ep.Call("text.g", tuple(args))),
    )


ASTS = st.recursive(LEAVES, _branches, max_leaves=12)


@settings(max_examples=400)
@given(ASTS)
def test_printing_is_a_fixed_point(ast: ep.Node) -> None:
    """source(parse(source(ast))) == source(ast): the printer emits what the parser reads back."""
    text = ast.source()
    assert compile_expression(text).ast.source() == text


@settings(max_examples=400)
@given(ASTS)
def test_parsed_source_evaluates_like_the_ast(ast: ep.Node) -> None:
    direct = outcome(Expression(ast.source(), ast))
    reparsed = outcome(compile_expression(ast.source()))
    assert direct[0] == reparsed[0]
    assert same(direct[1], reparsed[1]) if direct[0] == "ok" else direct[1] == reparsed[1]


@settings(max_examples=200)
@given(ASTS)
def test_evaluation_is_deterministic_and_errors_are_tagged(ast: ep.Node) -> None:
    first, second = outcome(Expression("", ast)), outcome(Expression("", ast))
    assert first[0] == second[0]
    if first[0] == "error":
        assert len(first[1]) == 1 and first[1][0] in {"TypeError", "KeyError", "IndexError", "ValueError",
                                                      "ZeroDivisionError"}


# ---- integer and double arithmetic ---------------------------------------------------------------------------------
PY_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "//": lambda a, b: a // b, "%": lambda a, b: a % b}


@given(INT64, INT64, st.sampled_from(sorted(PY_OPS)))
def test_integer_arithmetic_matches_python_in_range(a: int, b: int, op: str) -> None:
    expr = compile_expression(f"a {op} b")
    got = outcome(expr, Env({"a": a, "b": b}))
    if op in ("//", "%") and b == 0:
        assert got == ("error", ["ZeroDivisionError"])
        return
    expected = PY_OPS[op](a, b)
    if INT_MIN <= expected <= INT_MAX:
        assert got[0] == "ok" and type(got[1]) is int and got[1] == expected
    else:
        assert got == ("error", ["ValueError"])


@given(INT64, INT64, st.sampled_from(sorted(PY_OPS)))
def test_integer_literals_behave_like_variables(a: int, b: int, op: str) -> None:
    literal = outcome(compile_expression(f"{a} {op} {b}"))
    variables = outcome(compile_expression(f"a {op} b"), Env({"a": a, "b": b}))
    assert literal == variables


@given(st.one_of(INT64, DOUBLES), st.one_of(INT64, DOUBLES))
def test_division_is_always_a_double(a: float, b: float) -> None:
    got = outcome(compile_expression("a / b"), Env({"a": a, "b": b}))
    if b == 0:
        assert got == ("error", ["ZeroDivisionError"])
        return
    expected = a / b
    if math.isfinite(expected):
        assert got[0] == "ok" and type(got[1]) is float and got[1] == expected
    else:
        assert got == ("error", ["ValueError"])


@given(st.one_of(SMALL, DOUBLES), DOUBLES, st.sampled_from(sorted(PY_OPS)), st.booleans())
def test_any_double_operand_gives_a_double(a: float, b: float, op: str, swap: bool) -> None:
    left, right = (b, a) if swap else (a, b)
    got = outcome(compile_expression(f"a {op} b"), Env({"a": left, "b": right}))
    if op in ("//", "%") and right == 0:
        assert got == ("error", ["ZeroDivisionError"])
        return
    expected = PY_OPS[op](left, right)
    if math.isfinite(expected):
        assert got[0] == "ok" and type(got[1]) is float and same(got[1], float(expected))
    else:
        assert got == ("error", ["ValueError"])


@given(st.one_of(INT64, DOUBLES), st.one_of(INT64, DOUBLES), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_number_comparisons_match_python(a: float, b: float, op: str) -> None:
    expected = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    assert compile_expression(f"a {op} b").evaluate(Env({"a": a, "b": b})) is expected


# ---- precedence -------------------------------------------------------------------------------------------------
@given(st.lists(SMALL, min_size=1, max_size=7), st.data())
def test_arithmetic_precedence(numbers: list[int], data: st.DataObject) -> None:
    """`* // %` bind tighter than `+ -`, all left-associative: evaluate the flat text by hand."""
    ops = [data.draw(st.sampled_from(sorted(PY_OPS))) for _ in numbers[1:]]
    text = str(numbers[0]) + "".join(f" {op} {n}" for op, n in zip(ops, numbers[1:]))
    terms: list[tuple[str, int | None]] = [("+", numbers[0])]  # additive terms, each a product chain
    for op, n in zip(ops, numbers[1:]):
        if op in ("+", "-"):
            terms.append((op, n))
        else:
            sign, value = terms[-1]
            undefined = value is None or (n == 0 and op != "*")
            terms[-1] = (sign, None if undefined else PY_OPS[op](value, n))
    got = outcome(compile_expression(text))
    if any(v is None for _, v in terms):
        assert got == ("error", ["ZeroDivisionError"])
    else:
        assert got == ("ok", sum(v if sign == "+" else -v for sign, v in terms))  # type: ignore[operator]


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=6), st.data())
def test_boolean_precedence(operands: list[tuple[bool, bool]], data: st.DataObject) -> None:
    """`not` binds tighter than `and`, which binds tighter than `or` (upper or lower case)."""
    ops = [data.draw(st.sampled_from(["and", "or", "AND", "OR"])) for _ in operands[1:]]
    words = [("not " if neg else "") + ("true" if v else "false") for neg, v in operands]
    text = words[0] + "".join(f" {op} {w}" for op, w in zip(ops, words[1:]))
    groups, current = [], [operands[0][0] != operands[0][1]]
    for op, (neg, v) in zip(ops, operands[1:]):
        if op.lower() == "or":
            groups.append(current)
            current = []
        current.append(neg != v)
    groups.append(current)
    assert compile_expression(text).evaluate(ENV) is any(all(g) for g in groups)


@given(SMALL, SMALL, SMALL)
def test_comparison_binds_looser_than_arithmetic(a: int, b: int, c: int) -> None:
    assert compile_expression(f"{a} + {b} < {c} * 2").evaluate(ENV) is (a + b < c * 2)
    assert compile_expression(f"{a} == {b} - {c}").evaluate(ENV) is (a == b - c)


# ---- strings, equality, membership ------------------------------------------------------------------------------------
@given(st.text())
def test_string_literals_round_trip(text: str) -> None:
    assert compile_expression(ep.quote(text)).evaluate(ENV) == text


@given(st.text(max_size=20))
def test_unicode_escapes(text: str) -> None:
    units = text.encode("utf-16-be")  # astral characters become surrogate pairs
    escaped = "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    assert compile_expression(f'"{escaped}"').evaluate(ENV) == text


@given(st.text(max_size=10), st.one_of(INT64, st.booleans(), DOUBLES))
def test_plus_converts_scalars_next_to_strings(s: str, v: Any) -> None:
    """`s + v` is `s + string(v)` (datatypes page, `+` conversion table)."""
    word = string(v)
    env = Env({"s": s, "v": v})
    assert compile_expression("s + v").evaluate(env) == s + word
    assert compile_expression("v + s").evaluate(env) == word + s


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), INT64, DOUBLES, st.text(max_size=5)),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=3), c, max_size=3)),
    max_leaves=10,
)


@given(JSON, JSON)
def test_equality_is_reflexive_symmetric_and_typed(a: Any, b: Any) -> None:
    env = Env({"a": a, "b": b})
    assert compile_expression("a == a").evaluate(env) is True
    assert compile_expression("a == b").evaluate(env) is compile_expression("b == a").evaluate(env)
    assert compile_expression("a != b").evaluate(env) is not compile_expression("a == b").evaluate(env)
    assert values_equal(a, b) is compile_expression("a == b").evaluate(env)


@given(st.integers(-5, 5), st.booleans())
def test_booleans_are_never_numbers(i: int, b: bool) -> None:
    env = Env({"i": i, "b": b, "l": [b]})
    assert compile_expression("i == b").evaluate(env) is False
    assert compile_expression("i in l").evaluate(env) is False
    for text in ("i + b", "b + i", "b * i", "-b", "b < i", "l[b]"):
        assert outcome(compile_expression(text), env) == ("error", ["TypeError"])


@given(st.lists(JSON, max_size=5), JSON)
def test_in_list_uses_workflow_equality(items: list, item: Any) -> None:
    env = Env({"items": items, "item": item})
    assert compile_expression("item in items").evaluate(env) is any(values_equal(item, x) for x in items)


@given(st.dictionaries(st.text(max_size=4), JSON, max_size=4), st.text(max_size=4))
def test_in_map_tests_keys(m: dict, key: str) -> None:
    assert compile_expression("k in m").evaluate(Env({"k": key, "m": m})) is (key in m)


@given(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True), min_size=1, max_size=4))
def test_refs_are_dotted_chains(names: list[str]) -> None:
    assume(not any(n in ep.KEYWORDS for n in names[:1]))
    expr = compile_expression(".".join(names) + "[0] + other")
    assert expr.refs == {tuple(names), ("other",)}
    assert expr.calls == frozenset()
