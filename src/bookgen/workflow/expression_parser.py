"""Tokenizer, AST and Pratt parser for the inside of `${...}`; every AST node prints back to source.

Grammar and precedence follow https://cloud.google.com/workflows/docs/reference/syntax/datatypes (high → low):
`()`, `.`, `[]`, `not`, unary `-`, `* / // %`, `+ -`, `< <= >= > == != in`, `and`, `or`. Binary operators are
left-associative. `and`/`or`/`not` are lower- or upper-case (never mixed); booleans are `true/True/TRUE` and
`false/False/FALSE`; null is `null`. Strings are double-quoted with JSON escapes (a single quote is a
"token recognition error" in the service). Calls are only of dotted names: `len(x)`, `map.get(m, "k")`, `if(c, a, b)`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from bookgen.workflow.values import INT_MAX, INT_MIN

OR, AND, COMPARE, ADD, MUL, NEG, NOT, POSTFIX, ATOM = range(1, 10)
BINARY_PREC = {"or": OR, "and": AND, "+": ADD, "-": ADD, "*": MUL, "/": MUL, "//": MUL, "%": MUL,
               **dict.fromkeys(("<", "<=", ">", ">=", "==", "!=", "in"), COMPARE)}
WORD_OPS = {"and": "and", "AND": "and", "or": "or", "OR": "or", "in": "in"}
CONSTANTS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False, "null": None}
KEYWORDS = frozenset(WORD_OPS) | frozenset(CONSTANTS) | {"not", "NOT"}
MAX_DEPTH = 128  # nesting limit of the AST (the service caps an expression's length; deep trees also cost stack)


class ExpressionSyntaxError(ValueError):
    """The expression text is not valid; `offset` is the 0-based character offset of the problem."""

    def __init__(self, message: str, offset: int = 0):
        self.message, self.offset = message, offset
        super().__init__(f"{message} (at offset {offset})")


# ---- AST ----------------------------------------------------------------------------------------------------
class Node:
    """An expression node. `source()` prints it back to text that parses to an equivalent node."""

    __slots__ = ()
    prec = ATOM

    def source(self) -> str:
        raise NotImplementedError

    def _wrap(self, child: Node, prec: int) -> str:
        return f"({child.source()})" if child.prec < prec else child.source()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: None | bool | int | float | str

    @property
    def prec(self) -> int:  # type: ignore[override]
        v = self.value
        return NEG if isinstance(v, (int, float)) and not isinstance(v, bool) and str(v).startswith("-") else ATOM

    def source(self) -> str:
        v = self.value
        if v is None or isinstance(v, bool):
            return {None: "null", True: "true", False: "false"}[v]
        if isinstance(v, str):
            return quote(v)
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"no literal for {v!r}")
        return repr(v)


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: tuple[Node, ...]

    def source(self) -> str:
        return "[" + ", ".join(i.source() for i in self.items) + "]"


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    items: tuple[tuple[str, Node], ...]

    def source(self) -> str:
        return "{" + ", ".join(f"{quote(k)}: {v.source()}" for k, v in self.items) + "}"


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str

    def source(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Attr(Node):
    obj: Node
    name: str
    prec = POSTFIX

    def source(self) -> str:
        return f"{self._wrap(self.obj, POSTFIX)}.{self.name}"


@dataclass(frozen=True, slots=True)
class Index(Node):
    obj: Node
    index: Node
    prec = POSTFIX

    def source(self) -> str:
        return f"{self._wrap(self.obj, POSTFIX)}[{self.index.source()}]"


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str  # dotted: "len", "map.get", "if", "my_subworkflow"
    args: tuple[Node, ...]
    prec = POSTFIX

    def source(self) -> str:
        return f"{self.name}(" + ", ".join(a.source() for a in self.args) + ")"


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node

    @property
    def prec(self) -> int:  # type: ignore[override]
        return NOT if self.op == "not" else NEG

    def source(self) -> str:
        return ("not " if self.op == "not" else "-") + self._wrap(self.operand, self.prec)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # "+", "//", "==", "in", "and", "or", ...
    left: Node
    right: Node

    @property
    def prec(self) -> int:  # type: ignore[override]
        return BINARY_PREC[self.op]

    def source(self) -> str:  # left-associative: an equal-precedence right operand needs parentheses
        return f"{self._wrap(self.left, self.prec)} {self.op} {self._wrap(self.right, self.prec + 1)}"


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_QUOTE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def quote(text: str) -> str:
    """A double-quoted string literal for `text`."""
    return '"' + "".join(_QUOTE.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in text) + '"'


# ---- tokenizer ----------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"""(?P<ws>\s+)|(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(?P<str>"(?:[^"\\]|\\.)*")
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>//|==|!=|<=|>=|[-+*/%<>()\[\]{},.:])""", re.VERBOSE | re.DOTALL)
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str
    offset: int
    value: Any = None


def tokenize(text: str) -> list[Token]:
    tokens, pos, n = [], 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            what = "unterminated string" if text[pos] == '"' else f"unexpected character {text[pos]!r}"
            raise ExpressionSyntaxError(what, pos)
        kind, raw = m.lastgroup or "", m.group()
        if kind == "num":
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            if isinstance(value, float) and value == float("inf"):
                raise ExpressionSyntaxError(f"number out of range: {raw}", pos)
            tokens.append(Token(kind, raw, pos, value))
        elif kind == "str":
            tokens.append(Token(kind, raw, pos, _unescape(raw, pos)))
        elif kind != "ws":
            tokens.append(Token(kind, raw, pos))
        pos = m.end()
    tokens.append(Token("end", "", n))
    return tokens


def _unescape(raw: str, offset: int) -> str:
    out, i, end = [], 1, len(raw) - 1
    while i < end:
        c = raw[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = raw[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
            continue
        if e != "u" or not _HEX4.fullmatch(raw, i + 2, i + 6):
            raise ExpressionSyntaxError(f"invalid escape sequence \\{e}", offset + i)
        code = int(raw[i + 2 : i + 6], 16)
        i += 6
        if 0xD800 <= code < 0xDC00 and raw.startswith("\\u", i) and _HEX4.fullmatch(raw, i + 2, i + 6):
            low = int(raw[i + 2 : i + 6], 16)
            if 0xDC00 <= low < 0xE000:
                code, i = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), i + 6
        if 0xD800 <= code < 0xE000:
            raise ExpressionSyntaxError("unpaired surrogate in \\u escape", offset + i - 6)
        out.append(chr(code))
    return "".join(out)


# ---- parser -------------------------------------------------------------------------------------------------
def parse(text: str) -> Node:
    """Parse the inside of `${...}` into an AST (raises ExpressionSyntaxError)."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = self.level = 0
        self.depths: dict[int, int] = {}

    def parse(self) -> Node:
        if self.tokens[0].kind == "end":
            raise ExpressionSyntaxError("empty expression", 0)
        node = self.expr(0)
        tok = self.tokens[self.pos]
        if tok.kind != "end":
            raise ExpressionSyntaxError(f"unexpected {_describe(tok)}", tok.offset)
        return node

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.next()
        if tok.kind != "op" or tok.text != text:
            raise ExpressionSyntaxError(f"expected {text!r}, found {_describe(tok)}", tok.offset)
        return tok

    def node(self, node: Node, at: Token, *children: Node) -> Node:
        depth = 1 + max((self.depths.get(id(c), 1) for c in children), default=0)
        if depth > MAX_DEPTH:
            raise ExpressionSyntaxError("expression is nested too deeply", at.offset)
        self.depths[id(node)] = depth
        return node

    def binary_op(self, tok: Token) -> str | None:
        if tok.kind == "op" and tok.text in BINARY_PREC:
            return tok.text
        return WORD_OPS.get(tok.text) if tok.kind == "name" else None

    def expr(self, min_prec: int) -> Node:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise ExpressionSyntaxError("expression is nested too deeply", self.tokens[self.pos].offset)
        try:
            return self.operators(self.prefix(), min_prec)
        finally:
            self.level -= 1

    def operators(self, left: Node, min_prec: int) -> Node:
        while True:
            tok = self.tokens[self.pos]
            if _is_op(tok, ".[("):
                left = self.postfix(left)
                continue
            op = self.binary_op(tok)
            if op is None or BINARY_PREC[op] <= min_prec:
                return left
            self.pos += 1
            right = self.expr(BINARY_PREC[op])
            left = self.node(Binary(op, left, right), tok, left, right)

    def postfix(self, left: Node) -> Node:
        tok = self.next()
        if tok.text == ".":
            name = self.next()
            if name.kind != "name":
                raise ExpressionSyntaxError(f"expected a field name after '.', found {_describe(name)}", name.offset)
            return self.node(Attr(left, name.text), tok, left)
        if tok.text == "[":
            index = self.expr(0)
            self.expect("]")
            return self.node(Index(left, index), tok, left, index)
        names = chain(left)
        if names is None:
            raise ExpressionSyntaxError("only a function name can be called", tok.offset)
        args = self.sequence(")")
        return self.node(Call(".".join(names), tuple(args)), tok, *args)

    def sequence(self, close: str) -> list[Node]:
        items: list[Node] = []
        while not _is_op(self.tokens[self.pos], close):
            if items:
                self.expect(",")
            items.append(self.expr(0))
        self.pos += 1
        return items

    def prefix(self) -> Node:
        tok = self.next()
        if tok.kind == "num":
            return self.number(tok.offset, tok.value)
        if tok.kind == "str":
            return Literal(tok.value)
        if tok.kind == "name":
            if tok.text in CONSTANTS:
                return Literal(CONSTANTS[tok.text])
            if tok.text in ("not", "NOT"):
                operand = self.expr(NOT)
                return self.node(Unary("not", operand), tok, operand)
            if tok.text in KEYWORDS:
                raise ExpressionSyntaxError(f"unexpected {_describe(tok)}", tok.offset)
            return Name(tok.text)
        if tok.text == "-":
            num = self.tokens[self.pos]  # fold `-9223372036854775808` (in range) into one literal; `-0` stays
            if num.kind == "num" and num.value != 0 and not _is_op(self.tokens[self.pos + 1], ".[("):
                self.pos += 1
                return self.number(tok.offset, -num.value)
            operand = self.expr(NEG)
            return self.node(Unary("-", operand), tok, operand)
        if tok.text == "(":
            inner = self.expr(0)
            self.expect(")")
            if _is_op(self.tokens[self.pos], "("):
                raise ExpressionSyntaxError("only a function name can be called", self.tokens[self.pos].offset)
            return inner
        if tok.text == "[":
            items = self.sequence("]")
            return self.node(ListLit(tuple(items)), tok, *items)
        if tok.text == "{":
            return self.map_literal(tok)
        raise ExpressionSyntaxError(f"unexpected {_describe(tok)}", tok.offset)

    def number(self, offset: int, value: float) -> Literal:
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise ExpressionSyntaxError(f"integer literal out of 64-bit range: {value}", offset)
        return Literal(value)

    def map_literal(self, open_tok: Token) -> Node:
        items: list[tuple[str, Node]] = []
        while not _is_op(self.tokens[self.pos], "}"):
            if items:
                self.expect(",")
            key = self.next()
            if key.kind != "str":
                raise ExpressionSyntaxError(f"a map key must be a string literal, found {_describe(key)}", key.offset)
            self.expect(":")
            items.append((key.value, self.expr(0)))
        self.pos += 1
        return self.node(MapLit(tuple(items)), open_tok, *(v for _, v in items))


def chain(node: Node) -> tuple[str, ...] | None:
    """("a", "b", "c") for `a.b.c` (a name and plain `.field`s), else None."""
    parts: list[str] = []
    while isinstance(node, Attr):
        parts.append(node.name)
        node = node.obj
    if not isinstance(node, Name):
        return None
    parts.append(node.name)
    return tuple(reversed(parts))


def _is_op(tok: Token, texts: str) -> bool:
    return tok.kind == "op" and tok.text in texts


def _describe(tok: Token) -> str:
    return "end of expression" if tok.kind == "end" else repr(tok.text)
