"""The `map` module (https://cloud.google.com/workflows/docs/reference/stdlib/map/get and siblings).

Every function returns a new map; its arguments are never modified.
"""

from __future__ import annotations

from typing import Any

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, fail, kind
from bookgen.workflow.values import copy_value


@function("map.get", ("map", "keys"))
def get(m: Any, keys: Any) -> Any:
    """Safe lookup: the value under `keys` (a string, or a list of strings for a nested lookup), or null when
    a key is missing or a value on the way is not a map. TypeError if `keys` is neither."""
    if kind(keys) == "string":
        path = [keys]
    elif kind(keys) == "list" and all(kind(k) == "string" for k in keys):
        path = list(keys)
    else:
        fail("TypeError", "map.get", f"argument 'keys' must be a string or a list of strings, got {kind(keys)}")
    current = m
    for key in path:
        if kind(current) != "map" or key not in current:
            return None
        current = current[key]
    return copy_value(current)


@function("map.delete", ("map", "key"))
def delete(m: Any, key: Any) -> dict[str, Any]:
    """A copy of `map` without `key` (an unchanged copy when the key is absent)."""
    check("map.delete", "map", m, "map")
    check("map.delete", "key", key, "string")
    return {k: copy_value(v) for k, v in m.items() if k != key}


@function("map.merge", ("first", "second"))
def merge(first: Any, second: Any) -> dict[str, Any]:
    """A copy of `first` with the items of `second` added; `second` wins on equal keys."""
    check("map.merge", "first", first, "map")
    check("map.merge", "second", second, "map")
    result = copy_value(first)
    result.update(copy_value(second))
    return result


def _merge_nested(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    result = copy_value(first)
    for key, value in second.items():
        if kind(result.get(key)) == "map" and kind(value) == "map":
            result[key] = _merge_nested(result[key], value)
        else:
            result[key] = copy_value(value)
    return result


@function("map.merge_nested", ("first", "second"))
def merge_nested(first: Any, second: Any) -> dict[str, Any]:
    """Like `map.merge`, but where both sides hold a map under the same key, those maps are merged
    recursively."""
    check("map.merge_nested", "first", first, "map")
    check("map.merge_nested", "second", second, "map")
    return _merge_nested(first, second)
