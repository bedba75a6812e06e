"""Structured output with one owner for "the model's JSON is invalid": a bounded re-ask.

    instance, generations = generate_structured(llm, messages, Outline, params, reasks=settings.structured_reasks)

The schema comes from the pydantic model (`$defs` inlined, so small grammar-constrained models and strict
OpenAI schemas both get one self-contained tree; string `maxLength`s from the model are kept — the small local
model needs them to stop). The output is validated with pydantic; on failure the assistant's output and a user
message naming the errors are appended and the model is asked again, at most `reasks` times. Then
`StructuredOutputInvalid` (a ModelOutputInvalid) carries the errors and every Generation, so the caller can
still record the tokens it paid for.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bookgen.errors import ModelOutputInvalid
from bookgen.llm import LLM, Generation, Params

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_ERRORS_SHOWN = 10


class StructuredOutputInvalid(ModelOutputInvalid):
    """The output stayed invalid after the re-asks; `errors` are the last validation errors."""

    def __init__(self, message: str, errors: list[str], generations: list[Generation]):
        super().__init__(message)
        self.errors = errors
        self.generations = generations


def schema_for(model_cls: type[BaseModel]) -> dict[str, Any]:
    """`{"name", "schema"}` for the LLM port: the model's JSON schema with `$defs` inlined (kept when recursive)."""
    schema = model_cls.model_json_schema()
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", model_cls.__name__)[:64]
    return {"name": name, "schema": inline_defs(schema)}


def inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace every `{"$ref": "#/$defs/X", ...}` by the definition merged with its siblings; single-entry
    `allOf` wrappers collapse. A recursive schema cannot be inlined and is returned unchanged."""
    defs = schema.get("$defs", {})
    if not defs:
        return copy.deepcopy(schema)

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        node = {k: v for k, v in node.items() if k != "$defs"}
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            node = {**all_of[0], **{k: v for k, v in node.items() if k != "allOf"}}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in seen:
                raise RecursionError(name)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return resolve({**defs[name], **siblings}, (*seen, name))
        return {k: resolve(v, seen) for k, v in node.items()}

    try:
        result: dict[str, Any] = resolve(schema, ())
    except RecursionError:
        return copy.deepcopy(schema)
    return result


def validation_errors(model_cls: type[M], gen: Generation) -> tuple[M | None, list[str]]:
    """The validated instance, or None and the errors as short `path: message` lines."""
    if gen.parsed is None:
        reason = "it was cut off at the length limit" if gen.finish_reason == "length" else "it is not valid JSON"
        return None, [f"the reply must be one JSON object matching the schema, but {reason}"]
    try:
        return model_cls.model_validate(gen.parsed), []
    except ValidationError as e:
        errors = []
        for err in e.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"]) or "(root)"
            errors.append(f"{where}: {err['msg']}")
        return None, errors


def reask_message(errors: list[str]) -> dict[str, str]:
    shown = errors[:MAX_ERRORS_SHOWN]
    more = f"\n(and {len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
    return {"role": "user", "content": "Your reply did not match the required JSON schema:\n- "
            + "\n- ".join(shown) + more + "\nReply again with only the corrected JSON object."}


def generate_structured(llm: LLM, messages: list[dict[str, str]], model_cls: type[M], params: Params,
                        reasks: int = 1) -> tuple[M, list[Generation]]:
    """Ask for `model_cls`; re-ask at most `reasks` times. Returns the instance and every Generation made.

    Raises StructuredOutputInvalid (a ModelOutputInvalid) after the last re-ask; provider errors propagate."""
    schema = schema_for(model_cls)
    conversation = list(messages)
    generations: list[Generation] = []
    errors: list[str] = []
    for attempt in range(max(0, reasks) + 1):
        gen = llm.generate(conversation, schema, params)
        generations.append(gen)
        instance, errors = validation_errors(model_cls, gen)
        if instance is not None:
            return instance, generations
        log.warning("structured output for %s invalid (attempt %d of %d): %s",
                    schema["name"], attempt + 1, reasks + 1, "; ".join(errors[:3]))
        conversation = [*conversation, {"role": "assistant", "content": gen.text}, reask_message(errors)]
    raise StructuredOutputInvalid(
        f"{schema['name']}: model output invalid after {len(generations)} attempt(s): "
        + "; ".join(errors[:MAX_ERRORS_SHOWN]), errors, generations)

