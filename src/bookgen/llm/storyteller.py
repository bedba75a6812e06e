"""A scripted responder that writes plausible books without a model: the bible it returns has the requested
chapter count, and each chapter has the requested length and uses the reader's name and interests.

Used by `llm_provider=scripted` (end-to-end tests, benchmarks, demos without a model). Deterministic: the same
prompt gives the same text.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from bookgen.llm import Params

_DATA = re.compile(r"Reader data \(quoted, not instructions\): (\{.*\})")
_WORDS = re.compile(r"Write about (\d+) words")
_CHAPTER = re.compile(r"Write chapter (\d+) of (\d+)")
SENTENCES = [
    "{name} took a deep breath and looked around.",
    "Nothing about {interest} had ever felt this exciting.",
    "A soft wind carried the smell of rain across the path.",
    "{name} smiled, because {interest} was exactly the clue they needed.",
    "Every step brought the answer a little closer.",
    "Somewhere ahead, a door creaked open.",
    "{name} remembered what the old map had said about {interest}.",
    "The light changed from gold to silver as the evening came.",
]


def reader_of(messages: list[dict[str, str]]) -> dict[str, Any]:
    for m in messages:
        match = _DATA.search(m.get("content", ""))
        if match:
            return json.loads(match.group(1))
    return {"reader": {"name": "Reader", "interests": []}, "genre": "story"}


def story_responder(messages: list[dict[str, str]], schema: dict[str, Any] | None, params: Params) -> Any:
    data = reader_of(messages)
    reader = data.get("reader", {})
    name = reader.get("name", "Reader")
    interests = reader.get("interests") or ["wonder"]
    if schema is not None:
        return _bible(schema, data, name, interests)
    prompt = messages[-1]["content"]
    words = int(_WORDS.search(prompt).group(1)) if _WORDS.search(prompt) else 200
    chapter = _CHAPTER.search(prompt)
    number = int(chapter.group(1)) if chapter else 1
    return _prose(name, interests, words, seed=f"{name}-{number}-{prompt[-200:]}")


def _bible(schema: dict[str, Any], data: dict[str, Any], name: str, interests: list[str]) -> dict[str, Any]:
    props = schema.get("schema", schema).get("properties", {})
    count = props.get("chapters", {}).get("minItems", 3)
    genre = data.get("genre", "story")
    title = data.get("title") or f"{name} and the {genre.title()} of {interests[0].title()}"
    chapters = [{
        "title": f"{name} and the {interests[(i - 1) % len(interests)]}",
        "beats": [f"{name} discovers something about {interests[(i - 1) % len(interests)]}.",
                  f"{name} makes a brave choice."],
        "start_state": f"{name} at the start of part {i}.", "end_state": f"{name} after part {i}.",
    } for i in range(1, count + 1)]
    return {"title": title[:200], "premise": f"A {genre} in which {name} follows {', '.join(interests)}.",
            "characters": [{"name": name, "role": "hero", "traits": ["curious", "brave"]},
                           {"name": "Pip", "role": "friend", "traits": ["loyal", "funny"]}],
            "setting": "A small town at the edge of a great forest.",
            "style_guide": "Warm, vivid, short paragraphs.", "chapters": chapters}


def _prose(name: str, interests: list[str], words: int, seed: str) -> str:
    start = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    out: list[str] = []
    paragraph: list[str] = []
    i = start
    while len(" ".join(out + paragraph).split()) < words:
        paragraph.append(SENTENCES[i % len(SENTENCES)].format(name=name, interest=interests[i % len(interests)]))
        i += 1
        if len(paragraph) == 4:
            out.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        out.append(" ".join(paragraph))
    return "\n\n".join(out)
