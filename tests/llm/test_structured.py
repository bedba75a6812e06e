"""generate_structured: schema from pydantic, validation, one bounded re-ask, every Generation returned."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field

from bookgen.errors import ModelOutputInvalid
from bookgen.llm import Params
from bookgen.llm.scripted import ScriptedLLM
from bookgen.llm.structured import StructuredOutputInvalid, generate_structured, inline_defs, schema_for


class Chapter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=60)
    summary: str = Field(max_length=200, description="One paragraph.")


class Outline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    book_title: str = Field(max_length=80)
    chapters: list[Chapter] = Field(min_length=1, max_length=3)


class Node(BaseModel):
    name: str
    children: list[Node] = []


MSGS = [{"role": "user", "content": "Outline a book about the sea."}]
P = Params(max_tokens=200)
GOOD = {"book_title": "Salt", "chapters": [{"title": "Shore", "summary": "Waves."}]}


def test_schema_is_self_contained_and_keeps_max_lengths():
    schema = schema_for(Outline)
    assert schema["name"] == "Outline"
    body = schema["schema"]
    assert "$defs" not in body and "$ref" not in str(body)
    chapter = body["properties"]["chapters"]["items"]
    assert chapter["properties"]["title"]["maxLength"] == 60
    assert chapter["properties"]["summary"] == {"type": "string", "maxLength": 200, "title": "Summary",
                                                "description": "One paragraph."}
    assert body["properties"]["book_title"]["maxLength"] == 80
    assert chapter["additionalProperties"] is False


def test_ref_siblings_are_merged_and_recursive_schema_kept():
    schema = {"type": "object", "properties": {"a": {"$ref": "#/$defs/A", "description": "d"},
                                               "b": {"allOf": [{"$ref": "#/$defs/A"}]}},
              "$defs": {"A": {"type": "string", "maxLength": 3}}}
    assert inline_defs(schema)["properties"] == {"a": {"type": "string", "maxLength": 3, "description": "d"},
                                                 "b": {"type": "string", "maxLength": 3}}
    recursive = Node.model_json_schema()
    assert inline_defs(recursive) == recursive


def test_valid_first_time():
    llm = ScriptedLLM().enqueue(GOOD)
    outline, gens = generate_structured(llm, MSGS, Outline, P)
    assert outline == Outline.model_validate(GOOD) and len(gens) == 1
    assert llm.history[0].schema == schema_for(Outline) and llm.history[0].messages == MSGS


def test_reask_names_the_errors_then_succeeds():
    bad = {"book_title": "Salt", "chapters": [{"title": "x" * 61, "summary": "s"}]}
    llm = ScriptedLLM().enqueue(bad, GOOD)
    outline, gens = generate_structured(llm, MSGS, Outline, P, reasks=1)
    assert outline.book_title == "Salt" and len(gens) == 2
    second = llm.history[1].messages
    assert second[:1] == MSGS
    assert second[1] == {"role": "assistant", "content": gens[0].text}
    assert second[2]["role"] == "user"
    assert "chapters.0.title: String should have at most 60 characters" in second[2]["content"]


def test_non_json_reply_is_reasked():
    llm = ScriptedLLM().enqueue("Sure! Here is your outline", GOOD)
    _, gens = generate_structured(llm, MSGS, Outline, P)
    assert "not valid JSON" in llm.history[1].messages[-1]["content"] and len(gens) == 2


def test_gives_up_after_reasks_with_all_generations():
    llm = ScriptedLLM().enqueue({"book_title": "Salt"}, {"book_title": "Salt", "chapters": []}, GOOD)
    with pytest.raises(ModelOutputInvalid) as info:
        generate_structured(llm, MSGS, Outline, P, reasks=1)
    err = info.value
    assert isinstance(err, StructuredOutputInvalid)
    assert len(err.generations) == 2 and llm.pending == 1  # bounded: the third answer was never requested
    assert err.errors == ["chapters: List should have at least 1 item after validation, not 0"]
    assert "Outline" in str(err)


def test_zero_reasks_means_one_attempt():
    llm = ScriptedLLM().enqueue({}, GOOD)
    with pytest.raises(StructuredOutputInvalid) as info:
        generate_structured(llm, MSGS, Outline, P, reasks=0)
    assert len(info.value.generations) == 1


def test_extra_fields_are_errors():
    llm = ScriptedLLM().enqueue({**GOOD, "mood": "grim"}, GOOD)
    _, gens = generate_structured(llm, MSGS, Outline, P)
    assert "mood: Extra inputs are not permitted" in llm.history[1].messages[-1]["content"]
    assert len(gens) == 2
