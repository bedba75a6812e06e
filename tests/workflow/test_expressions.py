"""Example-based tests of `bookgen.workflow.expressions`.

Sources (cited per test):
  EXPR  https://cloud.google.com/workflows/docs/reference/syntax/expressions
  TYPES https://cloud.google.com/workflows/docs/reference/syntax/datatypes  (types, precedence, `+` conversion table)
  ERRS  https://cloud.google.com/workflows/docs/reference/syntax/error-types
  HELP  https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers
  MAPS  https://cloud.google.com/workflows/docs/reference/syntax/maps
  SAMPLES https://github.com/GoogleCloudPlatform/workflows-samples (src/*.workflows.yaml, run by Google CI)
"""

from __future__ import annotations

from typing import Any

import pytest

from bookgen.workflow.errors import WorkflowError
from bookgen.workflow.expressions import ExpressionSyntaxError, compile_expression, is_expression
from bookgen.workflow.values import INT_MAX, INT_MIN, FunctionRef


class FakeEnv:
    """Variables, named references (`http.default_retry`) and functions that record their calls."""

    def __init__(self, variables: dict[str, Any] | None = None, references: dict[str, Any] | None = None):
        self.variables = variables or {}
        self.references = references or {}
        self.calls: list[tuple[str, list]] = []

    def lookup(self, name: str) -> Any:
        return self.variables[name]  # KeyError is a LookupError

    def reference(self, dotted: str) -> Any:
        return self.references[dotted]

    def call(self, name: str, args: list) -> Any:
        self.calls.append((name, args))
        if name == "len":
            return len(args[0])
        if name == "if":
            return args[1] if args[0] else args[2]
        return {"called": name, "args": args}


ENV = FakeEnv({
    "x": 5, "d": 2.5, "s": "hi", "t": True, "f": False, "n": None,
    "l": [10, 20, 30], "m": {"a": 1, "b": {"c": [1, 2, {"deep": "yes"}]}, "special!key": 7},
    "e": {"tags": ["HttpError"], "code": 404},
    "page": {"rows": []},
})


def ev(text: str, env: FakeEnv = ENV) -> Any:
    return compile_expression(text).evaluate(env)


def fails(text: str, tag: str, env: FakeEnv = ENV) -> WorkflowError:
    with pytest.raises(WorkflowError) as info:
        ev(text, env)
    assert info.value.tags == [tag], info.value.value
    assert isinstance(info.value.value["message"], str)
    return info.value


def syntax_error(text: str) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expression(text)
    return info.value


# ---- is_expression (EXPR: "All expressions must begin with a $ and be enclosed in curly brackets") ----------
@pytest.mark.parametrize("value, expected", [
    ("${x}", True), ("${1 + 2}", True), ('${"a"}', True),
    ("abc ${x}", False), ("${x} abc", False), ("$x", False), ("{x}", False), (5, False), (None, False),
])
def test_is_expression(value: Any, expected: bool) -> None:
    assert is_expression(value) is expected


# ---- literals -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("42", 42), ("-7", -7), ("9223372036854775807", INT_MAX), ("-9223372036854775808", INT_MIN),
    ("1.5", 1.5), ("-0.25", -0.25), ("2.0", 2.0), ("1e3", 1000.0), ("2.5E-1", 0.25),
    ('"hello"', "hello"), ('""', ""), ('"a: b"', "a: b"),  # EXPR: colons are fine inside a string literal
    ('"q\\"uote"', 'q"uote'), ('"back\\\\slash"', "back\\slash"), ('"tab\\tnl\\n"', "tab\tnl\n"),
    ('"\\u00e9\\u4e2d"', "é中"), ('"\\ud83d\\ude00"', "😀"), ('"\\/"', "/"),
    # TYPES: "Boolean (true/false, True/False, TRUE/FALSE)"
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("null", None),
])
def test_literals(text: str, expected: Any) -> None:
    value = ev(text)
    assert value == expected and type(value) is type(expected)


def test_integer_literal_out_of_64_bit_range_is_a_syntax_error() -> None:
    # TYPES: "Integer (64 bit, signed)"
    assert "out of 64-bit range" in syntax_error("9223372036854775808").message
    assert syntax_error("-9223372036854775809").offset == 0


def test_null_is_lower_case_only() -> None:
    # TYPES lists case variants for booleans only; `Null`/`NULL` are (unset) variable names here.
    fails("Null", "KeyError")
    fails("NULL", "KeyError")


def test_single_quoted_strings_are_rejected() -> None:
    # EXPR (multi-line expressions): "String literals must be enclosed in double quotes". The service rejects
    # `'...'` at deploy time with "token recognition error at: '''"
    # (https://swfz.hatenablog.com/entry/2021/04/08/200546), although the ERRS page shows `${'SystemError' in e.tags}`.
    err = syntax_error("'SystemError' in e.tags")
    assert err.offset == 0


def test_list_and_map_literals() -> None:
    assert ev('[1, "a", [x], {"k": s}]') == [1, "a", [5], {"k": "hi"}]
    assert ev("[]") == [] and ev("{}") == {}
    assert ev('{"a": 1, "b": {"c": [x, d]}}') == {"a": 1, "b": {"c": [5, 2.5]}}
    # SAMPLES src/iterate_range*: `range: ${[0, len(texts_to_translate) - 1]}`
    assert ev("[0, len(l) - 1]") == [0, 2]


def test_map_literal_keys_are_string_literals() -> None:
    assert "map key must be a string" in syntax_error("{1: 2}").message
    assert syntax_error("{k: 2}").offset == 1


# ---- access (MAPS: keys with non-alphanumerics need `m["special!key"]`) -------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("m.a", 1), ('m["a"]', 1), ('m["special!key"]', 7), ("m.b.c[2].deep", "yes"), ('m["b"]["c"][0]', 1),
    ("l[0]", 10), ("l[x - 3]", 30), ("l[len(l) - 1]", 30), ('e["tags"][0]', "HttpError"),
])
def test_access(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize("text, tag", [
    ("m.missing", "KeyError"), ('m["missing"]', "KeyError"), ("m.b.missing.c", "KeyError"),
    ("l[3]", "IndexError"), ("l[-1]", "IndexError"),  # negative indexes are not supported
    ("l.a", "TypeError"), ('l["0"]', "TypeError"), ("l[1.0]", "TypeError"), ("l[true]", "TypeError"),
    ("m[1]", "TypeError"), ("s.a", "TypeError"), ("s[0]", "TypeError"), ("n.a", "TypeError"), ("x[0]", "TypeError"),
])
def test_access_errors(text: str, tag: str) -> None:
    fails(text, tag)


def test_unknown_variable_is_a_key_error_naming_it() -> None:
    err = fails("nope + 1", "KeyError")
    assert "nope" in err.value["message"]


# ---- references and calls -------------------------------------------------------------------------------------
def test_reference_gets_the_longest_dotted_chain() -> None:
    env = FakeEnv({"x": 1}, {"http.default_retry": FunctionRef("http.default_retry"), "my_pred": FunctionRef("my_pred"),
                             "a.b": [{"c": 3}]})
    assert ev("http.default_retry", env) == FunctionRef("http.default_retry")
    assert ev("my_pred", env) == FunctionRef("my_pred")
    assert ev("a.b[0].c", env) == 3
    fails("http.nope", "KeyError", env)


def test_variable_shadows_reference() -> None:
    env = FakeEnv({"http": {"default_retry": "mine"}}, {"http.default_retry": "ref"})
    assert ev("http.default_retry", env) == "mine"


def test_calls_pass_positional_arguments_to_env() -> None:
    env = FakeEnv({"m": {"k": 1}, "s": "abc"})
    assert ev('map.get(m, "k")', env) == {"called": "map.get", "args": [{"k": 1}, "k"]}
    assert ev("text.to_upper(s)", env)["called"] == "text.to_upper"
    assert ev("my_sub(1, 2)", env) == {"called": "my_sub", "args": [1, 2]}
    assert ev("len(s) + 1", env) == 4
    assert ev("f()", env) == {"called": "f", "args": []}
    assert [name for name, _ in env.calls] == ["map.get", "text.to_upper", "my_sub", "len", "f"]


def test_if_helper_is_an_eager_function_call() -> None:
    # HELP: if(condition, ifTrue, ifFalse) "returns one of two arguments"; arguments are evaluated first.
    env = FakeEnv({"x": 3})
    assert ev('if(x > 2, "big", "small")', env) == "big"
    assert env.calls == [("if", [True, "big", "small"])]


@pytest.mark.parametrize("text", ["(f)(1)", "l[0](1)", "f(1)(2)", '"s"(1)', "m.a.b[0].c(1)"])
def test_only_dotted_names_can_be_called(text: str) -> None:
    assert "only a function name can be called" in syntax_error(text).message


def test_refs_and_calls() -> None:
    e = compile_expression("a.b.c[0] + sys.x + map.get(m, k).y + len(l[i].z)")
    assert e.refs == {("a", "b", "c"), ("sys", "x"), ("m",), ("k",), ("l",), ("i",)}
    assert e.calls == {"map.get", "len"}
    assert e.text == "a.b.c[0] + sys.x + map.get(m, k).y + len(l[i].z)"


def test_evaluate_returns_fresh_containers() -> None:
    env = FakeEnv({"l": [[1], 2]})
    value = ev("l", env)
    value[0].append(99)
    assert env.variables["l"] == [[1], 2]


# ---- precedence (TYPES "Order of operations") ---------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 2 - 3", 5), ("8 / 2 / 2", 2.0), ("2 * 3 // 4", 1),
    ("-2 * 3", -6), ("- x + 1", -4), ("-l[0]", -10), ("1 + 2 < 4", True), ("1 < 2 == true", True),
    ("true or false and false", True), ("(true or false) and false", False),
    ("not true == false", True),  # `not` binds tighter than `==`: (not true) == false
    ("not false and false", False), ('"a" in ["a"] and 1 + 1 == 2', True),
    ('not("HttpError" in e.tags)', False),  # SAMPLES src/error_catch.workflows.yaml
    ("x % 2 != 0", True),  # SAMPLES src/iterate_for_in_http.workflows.yaml: `${num % 2 != 0}`
])
def test_precedence(text: str, expected: Any) -> None:
    value = ev(text)
    assert value == expected and type(value) is type(expected)


def test_not_binds_tighter_than_in() -> None:
    # TYPES: `not` is above `in`, so `not "a" in l` is `(not "a") in l`: a TypeError (write `not ("a" in l)`).
    fails('not "a" in l', "TypeError")


# ---- logical operators (TYPES: booleans only; lower- or upper-case, not mixed) ------------------------------
def test_logical_operators_upper_case() -> None:
    assert ev("TRUE AND NOT FALSE") is True and ev("false OR true") is True
    assert syntax_error("true And false").offset == 5
    assert syntax_error("Not true").offset == 4


def test_logical_operators_need_booleans() -> None:
    for text in ("1 and true", "true and 1", "null or true", "false or 0", "not 1", "not null", 'not ""'):
        fails(text, "TypeError")


def test_and_or_short_circuit() -> None:
    # SAMPLES src/bigquery_pagetoken.workflows.yaml relies on it: `${"pageToken" in page and page.pageToken != ""}`
    # on the last page, which has no pageToken.
    assert ev('"pageToken" in page and page.pageToken != ""') is False
    assert ev("false and m.missing") is False and ev("true or m.missing") is True
    fails("true and m.missing", "KeyError")


# ---- arithmetic ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("4 / 2", 2.0), ("7 / 2", 3.5), ("7 // 2", 3), ("-7 // 2", -4), ("7 % 3", 1), ("-7 % 3", 2), ("7 % -3", -2),
    ("7.5 // 2", 3.0), ("7.5 % 2", 1.5), ("1 + 1.0", 2.0), ("x * d", 12.5), ("x - 5", 0), ("2 * 3", 6),
    ("-x", -5), ("-d", -2.5), ("9223372036854775807 - 1", INT_MAX - 1),
])
def test_arithmetic(text: str, expected: Any) -> None:
    # EXPR: `/` float division, `%` remainder, `//` floor division; TYPES: int op int → int, any double → double.
    value = ev(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text", ["1 / 0", "1 // 0", "1 % 0", "1.5 / 0", "1 / 0.0", "x % (x - 5)", "d // 0.0"])
def test_division_by_zero(text: str) -> None:
    fails(text, "ZeroDivisionError")  # ERRS tag list


@pytest.mark.parametrize("text", [
    "9223372036854775807 + 1", "-9223372036854775808 - 1", "9223372036854775807 * 2", "-(-9223372036854775808)",
    "-9223372036854775808 // -1", "1e308 * 10", "1e308 + 1e308",
])
def test_overflow_is_a_value_error(text: str) -> None:
    # TYPES: "In the case of integer or double addition, overflow ..." (an error); the tag is not documented.
    fails(text, "ValueError")


# ---- `+` and implicit conversions (TYPES "Implicit data type conversions", `+` table) ------------------------
@pytest.mark.parametrize("text, expected", [
    ('"a" + "b"', "ab"), ('"n=" + 1', "n=1"), ('1 + "a"', "1a"), ('"d=" + 1.5', "d=1.5"),
    ('"t=" + true', "t=true"), ('false + "!"', "false!"), ('"x" + x + d', "x52.5"),
    ('"Hello, " + s', "Hello, hi"),  # https://cloud.google.com/workflows/docs/reference/syntax/strings
])
def test_plus_concatenates_with_string_conversion(text: str, expected: str) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize("text", [
    "true + 1", "1 + true", "true + false", 'null + "a"', '"a" + null', "[1] + [2]", "{} + {}", 'l + "a"',
    '"a" - "b"', '"a" * 2', '"ab" / 2', 'x - "1"', "true * 1", "null + 1", "-true", '-"a"', "-null", "-l",
])
def test_other_operand_mixes_are_type_errors(text: str) -> None:
    fails(text, "TypeError")


# ---- comparisons and membership -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("1 < 1.5", True), ("2 >= 2.0", True), ("x > 4", True), ('"a" < "b"', True), ('"B" < "a"', True),
    ('"abc" <= "abd"', True), ("1 == 1.0", True), ("1 == true", False), ("0 == false", False), ('1 == "1"', False),
    ("null == null", True), ("null == 0", False), ("null != false", True), ("[1, 2] == [1, 2]", True),
    ("[1] == [true]", False), ('{"a": 1} == {"a": 1.0}', True), ('{"a": 1} == {"b": 1}', False),
    ('{"a": [1, {"b": null}]} == {"a": [1, {"b": null}]}', True), ("[1, 2] != [2, 1]", True), ("l == l", True),
])
def test_comparisons(text: str, expected: bool) -> None:
    assert ev(text) is expected


@pytest.mark.parametrize("text", ['1 < "a"', "true < false", "null < 1", "[1] < [2]", "{} <= {}", '"a" > 1'])
def test_ordering_incompatible_types_is_a_type_error(text: str) -> None:
    fails(text, "TypeError")


@pytest.mark.parametrize("text, expected", [
    ('"a" in m', True), ('"z" in m', False), ("10 in l", True), ("10.0 in l", True), ("11 in l", False),
    ("true in [1]", False), ("[1] in [[1], 2]", True), ('1 in {"1": 2}', False), ('"HttpError" in e.tags', True),
])
def test_in(text: str, expected: bool) -> None:
    # HELP: in() "Checks whether a given key is present in a list or map".
    assert ev(text) is expected


@pytest.mark.parametrize("text", ['"x" in "xyz"', "1 in 1", "1 in null"])
def test_in_needs_a_list_or_map(text: str) -> None:
    fails(text, "TypeError")


# ---- syntax -----------------------------------------------------------------------------------------------------
def test_multi_line_expressions() -> None:
    # EXPR "Multi-line expressions": newlines are whitespace.
    assert ev('"SELECT * from customers" +\n  " WHERE id=" +\n  string_id', FakeEnv({"string_id": "7"})) == (
        "SELECT * from customers WHERE id=7")


@pytest.mark.parametrize("text, offset", [
    ("", 0), ("1 +", 3), ("x $ y", 2), ('"abc', 0), ("[1,]", 3), ("(1", 2), ("1 2", 2), ("x.1", 2), ('"\\q"', 1),
    ("a.", 2), ("and", 0), ("1 in", 4), ("x ==", 4), (")", 0), ("m[", 2), ("1e999", 0), ("{\"a\" 1}", 5),
])
def test_syntax_errors_report_the_offset(text: str, offset: int) -> None:
    err = syntax_error(text)
    assert err.offset == offset, err
    assert isinstance(err, ValueError) and str(err).startswith(err.message)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    assert ev("(" * 100 + "1" + ")" * 100) == 1
    for text in ("(" * 500 + "1" + ")" * 500, "+".join(["1"] * 300), "-" * 500 + "1", "not " * 300 + "true"):
        assert "nested too deeply" in syntax_error(text).message


def test_keywords_are_allowed_as_field_names() -> None:
    assert ev("m.in", FakeEnv({"m": {"in": 1}})) == 1


def test_source_prints_back() -> None:
    e = compile_expression('not (a.b[0] in [1, "x\\n"]) or -(x + 1) * 2 // 3 == {"k": null}')
    assert e.ast.source() == 'not (a.b[0] in [1, "x\\n"]) or -(x + 1) * 2 // 3 == {"k": null}'
    assert compile_expression("1 - (2 - 3)").ast.source() == "1 - (2 - 3)"
    assert compile_expression("(1 - 2) - 3").ast.source() == "1 - 2 - 3"
