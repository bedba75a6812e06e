from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bookgen.llm.scripted import ScriptedLLM
from bookgen.llm.storyteller import story_responder
from bookgen.services import build_services
from bookgen.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def request_data(**overrides) -> dict:
    data = {"reader": {"name": "Maya", "age": 7, "interests": ["dinosaurs", "rockets"]}, "genre": "adventure",
            "chapters": 3, "words_per_chapter": 150}
    data.update(overrides)
    return data


@pytest.fixture
def make_services(tmp_path: Path):
    """Services on a fresh data dir with a scripted storyteller model (optionally slow)."""

    def make(delay: float = 0.0, data_dir: Path | None = None, **settings):
        def respond(messages, schema, params):
            if delay:
                time.sleep(delay)
            return story_responder(messages, schema, params)

        llm = ScriptedLLM(responder=respond)
        s = Settings(data_dir=data_dir or tmp_path / "data", workflow_file=ROOT / "workflows" / "book.yaml",
                     llm_provider="scripted", **settings)
        return build_services(s, llm=llm)

    return make


def write_request(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path
