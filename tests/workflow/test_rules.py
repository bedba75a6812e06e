"""One YAML case per documented rule of the Workflows language (reference section A).

Each file in `rules/` starts with a comment header:

    # rule: <the rule, in one line>
    # doc: <the documentation page the rule comes from>
    # data: <JSON execution argument>                  (optional)
    # env: {"K": "V"}                                   (optional user env vars)
    # expect-result: <JSON>                             the execution succeeds with this result
    # expect-error-tags: ["KeyError"]                  or: it fails with these tags
    # expect-error: <JSON>                              or: it fails with exactly this error value
    # expect-rejected: <substring>                      or: loading rejects it with a message containing this
    # expect-rejected-line: <n>                         (optional) ... pointing at this line

Only the first expectation kind present is used; one is required.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookgen.workflow import DefinitionError, Engine
from bookgen.workflow.loader import loads

RULES = sorted((Path(__file__).parent / "rules").glob("*.yaml"))


def header(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


@pytest.mark.parametrize("path", RULES, ids=[p.stem for p in RULES])
def test_rule(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    h = header(text)
    assert h.get("rule") and h.get("doc", "").startswith("https://"), f"{path.name}: needs rule and doc headers"
    if "expect-rejected" in h:
        with pytest.raises(DefinitionError) as info:
            loads(text, path.name)
        assert h["expect-rejected"] in str(info.value), str(info.value)
        if "expect-rejected-line" in h:
            lines = [p.line for p in info.value.problems]
            assert int(h["expect-rejected-line"]) in lines, (lines, str(info.value))
        return
    definition = loads(text, path.name)
    engine = Engine(env=json.loads(h.get("env", "{}")), sleep=lambda s: None)
    execution = engine.run(definition, json.loads(h["data"]) if "data" in h else None)
    if "expect-result" in h:
        assert execution.state == "SUCCEEDED", execution.error
        expected = json.loads(h["expect-result"])
        assert execution.result == expected and _same_types(execution.result, expected), execution.result
    elif "expect-error-tags" in h:
        assert execution.state == "FAILED", execution.result
        assert isinstance(execution.error, dict), execution.error
        assert execution.error.get("tags") == json.loads(h["expect-error-tags"]), execution.error
    elif "expect-error" in h:
        assert execution.state == "FAILED", execution.result
        assert execution.error == json.loads(h["expect-error"]), execution.error
    else:
        pytest.fail(f"{path.name}: no expectation header")


def _same_types(a, b) -> bool:
    """2 and 2.0 compare equal in Python but are different Workflows values."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    return type(a) is type(b)
