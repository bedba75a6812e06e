"""Assignment targets: `x`, `m.k`, `m["k"]`, `l[0]`, `m[key_var].inner`."""

from __future__ import annotations

from bookgen.workflow.expressions import ExpressionSyntaxError, compile_expression
from bookgen.workflow.model import Target, Template


def parse_target(text: str) -> Target:
    """Split a target into its root variable and a path of key/index expressions."""
    text = text.strip()
    i, n = 0, len(text)
    while i < n and (text[i].isalnum() or text[i] == "_"):
        i += 1
    root = text[:i]
    if not root or root[0].isdigit():
        raise ExpressionSyntaxError("a target starts with a variable name", 0)
    path: list[Template] = []
    while i < n:
        if text[i] == ".":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if j == i + 1:
                raise ExpressionSyntaxError("expected a key name after '.'", i)
            path.append(Template.of_constant(text[i + 1 : j]))
            i = j
        elif text[i] == "[":
            j = _closing_bracket(text, i)
            inner = text[i + 1 : j]
            expr = compile_expression(inner)
            path.append(Template(expr.evaluate, [expr]))
            i = j + 1
        else:
            raise ExpressionSyntaxError(f"unexpected {text[i]!r} in target", i)
    return Target(root, path, text)


def _closing_bracket(text: str, start: int) -> int:
    depth, i, in_string = 0, start, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ExpressionSyntaxError("unclosed '['", start)
