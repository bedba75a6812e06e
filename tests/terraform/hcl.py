"""Read the flat Terraform module with python-hcl2 into plain Python values the checks can reason about.

python-hcl2 (8.x) keeps HCL's quotes: a literal string comes back as '"text"', an expression as '${expr}',
blocks as lists of dicts. `normalize` unquotes literals (an interpolated string stays '...${expr}...') and drops
the parser's metadata keys. `Module.instances` expands `for_each` over a local map literal or over another
resource, substituting `each.key` / `each.value` textually, so a check can ask "which instances exist and what
do they reference" without Terraform. Nothing here evaluates expressions beyond that.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"

_QUOTED = re.compile(r'^"(.*)"$', re.S)


def unquote(text: str) -> str:
    m = _QUOTED.match(text)
    if not m:
        return text
    return m.group(1).replace('\\"', '"').replace("\\\\", "\\")


def normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {unquote(k): normalize(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, str):
        return unquote(value)
    return value


def is_expr(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def as_text(value: Any) -> str:
    """Any value as one string (its strings joined), for reference searches."""
    return value if isinstance(value, str) else "\n".join(strings(value))


def strings(value: Any):
    """Every string inside a value, recursively."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


@dataclass(frozen=True)
class Ref:
    """`each.value` when for_each iterates another resource: a reference to that resource's instance."""

    text: str


def _hcl_literal(value: Any) -> str:
    if isinstance(value, Ref):
        return value.text
    return json.dumps(value)


def substitute(value: Any, key: str, each_value: Any) -> Any:
    """Replace each.key / each.value(.attr) in a normalized body by the instance's key and value."""
    if isinstance(value, dict):
        return {k: substitute(v, key, each_value) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, key, each_value) for v in value]
    if not isinstance(value, str) or "each." not in value:
        return value
    whole = re.fullmatch(r"\$\{each\.(key|value)(?:\.(\w+))?\}", value)
    if whole and not isinstance(each_value, Ref):
        if whole.group(1) == "key":
            return key
        if whole.group(2) is None:
            return each_value
        if isinstance(each_value, dict) and whole.group(2) in each_value:
            return each_value[whole.group(2)]

    def attr(m: re.Match[str]) -> str:
        if isinstance(each_value, Ref):
            return f"{each_value.text}.{m.group(1)}"
        if isinstance(each_value, dict) and m.group(1) in each_value:
            return _hcl_literal(each_value[m.group(1)])
        return m.group(0)

    value = re.sub(r"\beach\.value\.(\w+)", attr, value)
    value = re.sub(r"\beach\.value\b", lambda m: _hcl_literal(each_value), value)
    return re.sub(r"\beach\.key\b", lambda m: json.dumps(key), value)


@dataclass
class Module:
    """A parsed root module: its files' text and its blocks, merged across files."""

    dir: Path
    texts: dict[str, str]
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    other: dict[str, list[Any]] = field(default_factory=dict)
    repo_root: Path = REPO_ROOT

    def copy(self) -> Module:
        return copy.deepcopy(self)

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        return self.resources[rtype][name]

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(rtype, {})

    def for_each_items(self, expr: Any) -> dict[str, Any] | None:
        """The (key -> each.value) pairs of a for_each expression, or None when it is not a plain reference."""
        if not isinstance(expr, str):
            return None
        m = re.fullmatch(r"\$\{local\.(\w+)\}", expr)
        if m:
            value = self.locals.get(m.group(1))
            return dict(value) if isinstance(value, dict) else None
        m = re.fullmatch(r"\$\{var\.(\w+)\}", expr)
        if m:
            value = self.variables.get(m.group(1), {}).get("default")
            return dict(value) if isinstance(value, dict) else None
        m = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", expr)
        if m and m.group(1) in self.resources and m.group(2) in self.resources[m.group(1)]:
            keys = self.instances(m.group(1), m.group(2))
            return {k: Ref(f'{m.group(1)}.{m.group(2)}["{k}"]') for k in keys}
        return None

    def instances(self, rtype: str, name: str) -> dict[str, dict[str, Any]]:
        """Instances of a resource by key ("" when it has no for_each), with each.* substituted.
        A for_each this reader cannot expand (a conditional, a function call) yields no instances."""
        body = self.resources[rtype][name]
        if "for_each" not in body:
            return {"": body}
        items = self.for_each_items(body["for_each"])
        if items is None:
            return {}
        return {key: substitute(body, key, value) for key, value in items.items()}

    def all_instances(self, rtype: str) -> dict[str, dict[str, Any]]:
        """Every instance of every resource of a type, by address (type.name or type.name["key"])."""
        out = {}
        for name in self.of_type(rtype):
            for key, body in self.instances(rtype, name).items():
                out[f'{rtype}.{name}' + (f'["{key}"]' if key else "")] = body
        return out

    def var_default(self, expr: Any) -> Any:
        """`${var.x}` -> the variable's default; anything else unchanged."""
        if isinstance(expr, str):
            m = re.fullmatch(r"\$\{var\.(\w+)\}", expr)
            if m:
                return self.variables.get(m.group(1), {}).get("default")
        return expr

    def resolve_local(self, expr: Any) -> str:
        """`${local.x}` -> the local's text when it is a string; anything else as text."""
        m = re.fullmatch(r"\$\{local\.(\w+)\}", as_text(expr))
        if m and isinstance(self.locals.get(m.group(1)), str):
            return self.locals[m.group(1)]
        return as_text(expr)

    def resolve_path(self, expr: str) -> Path:
        """A file path expression such as `${path.module}/schemas/books.json` as a real path."""
        text = expr.replace("${path.module}", str(self.dir)).replace("${local.repo_root}", str(self.repo_root))
        if "${" in text:
            raise ValueError(f"cannot resolve path {expr!r}")
        return Path(text)


def parse(texts: dict[str, str], directory: Path, repo_root: Path = REPO_ROOT) -> Module:
    module = Module(dir=directory, texts=dict(texts), repo_root=repo_root)
    for file_name in sorted(texts):
        doc = normalize(hcl2.loads(texts[file_name]))
        for kind, blocks in doc.items():
            for block in blocks:
                if kind == "resource":
                    for rtype, named in block.items():
                        for name, body in named.items():
                            if name in module.resources.setdefault(rtype, {}):
                                raise ValueError(f"{file_name}: duplicate resource {rtype}.{name}")
                            module.resources[rtype][name] = body
                elif kind == "data":
                    for rtype, named in block.items():
                        module.data.setdefault(rtype, {}).update(named)
                elif kind == "variable":
                    module.variables.update(block)
                elif kind == "output":
                    module.outputs.update(block)
                elif kind == "locals":
                    module.locals.update(block)
                else:
                    module.other.setdefault(kind, []).append(block)
    return module


def load(directory: Path = TERRAFORM_DIR, repo_root: Path = REPO_ROOT) -> Module:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.tf"))}
    return parse(texts, directory, repo_root)
