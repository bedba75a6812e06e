"""map.*: https://cloud.google.com/workflows/docs/reference/stdlib/map/get (delete, merge, merge_nested)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflow.stdlib_calls import call, named, tag_of

NESTED = {"key1": {"key2": "v", "n": None}, "flat": 1}


def test_get_single_key() -> None:
    assert call("map.get", NESTED, "flat") == 1
    assert call("map.get", NESTED, "missing") is None


def test_get_nested_list_of_keys() -> None:
    # map.get(my2DMap, ["key1", "key2"]) == map.get(map.get(my2DMap, "key1"), "key2")
    assert named("map.get", map=NESTED, keys=["key1", "key2"]) == "v"
    assert call("map.get", NESTED, ["key1", "nope"]) is None
    assert call("map.get", NESTED, ["flat", "x"]) is None  # a value on the way is not a map


@pytest.mark.parametrize("not_a_map", [None, "s", [1], 3])
def test_get_non_map_returns_null(not_a_map: Any) -> None:
    assert call("map.get", not_a_map, "k") is None


@pytest.mark.parametrize("keys", [1, None, ["a", 2], {"a": 1}])
def test_get_bad_keys_type_error(keys: Any) -> None:
    assert tag_of("map.get", NESTED, keys) == "TypeError"


def test_get_returns_a_copy() -> None:
    inner = call("map.get", NESTED, "key1")
    inner["key2"] = "changed"
    assert NESTED["key1"]["key2"] == "v"


def test_delete() -> None:
    m = {"key1": "hello", "key2": "world"}
    assert call("map.delete", m, "key2") == {"key1": "hello"}
    assert call("map.delete", m, "key3") == m
    assert m == {"key1": "hello", "key2": "world"}
    assert tag_of("map.delete", [1], "k") == "TypeError"
    assert tag_of("map.delete", m, 1) == "TypeError"


def test_merge() -> None:
    # Example 1 and 2 of the map.merge page
    assert call("map.merge", {"key1": "hello", "key2": "world"}, {"key3": "good", "key4": "morning"}) == {
        "key1": "hello", "key2": "world", "key3": "good", "key4": "morning"}
    assert named("map.merge", first={"key1": "hello", "key2": "world"},
                 second={"key1": "good", "key2": "morning"}) == {"key1": "good", "key2": "morning"}
    assert call("map.merge", {"a": {"x": 1}}, {"a": {"y": 2}}) == {"a": {"y": 2}}
    assert tag_of("map.merge", {}, None) == "TypeError"


def test_merge_nested() -> None:
    first = {"key1": {"keyx": "valuex"}, "k": 1}
    result = call("map.merge_nested", first, {"key1": {"keyy": "valuey"}, "k": {"a": 1}})
    assert result == {"key1": {"keyx": "valuex", "keyy": "valuey"}, "k": {"a": 1}}
    assert first == {"key1": {"keyx": "valuex"}, "k": 1}
    assert tag_of("map.merge_nested", "x", {}) == "TypeError"
