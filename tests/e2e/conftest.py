from __future__ import annotations

import http.server
import json
import threading
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


class Receiver:
    """A webhook receiver on loopback that keeps every delivery (headers, raw body)."""

    def __init__(self):
        deliveries = self.deliveries = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                deliveries.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/bookgen?src=e2e"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
