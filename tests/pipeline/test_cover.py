"""Illustrated covers through the OpenAI images API (a local fake of the endpoint), cached, with fallback."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from bookgen.llm.openai import OpenAIChat
from bookgen.models import Manuscript, ManuscriptChapter
from bookgen.pipeline.cover import make_cover
from bookgen.services import build_services
from bookgen.settings import Settings
from bookgen.validation import parse_request
from tests.e2e.conftest import request_data

pytestmark = pytest.mark.real_model  # constructs the openai adapter (against a local fake server)


def png_bytes(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 12), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def setup(tmp_path, httpserver):
    def make(cover_images: bool = True):
        llm = OpenAIChat("gpt-5.4-mini", base_url=httpserver.url_for("/v1"), api_key="test", max_retries=0)
        settings = Settings(data_dir=tmp_path / "data", cover_images=cover_images, llm_provider="openai")
        services = build_services(settings, llm=llm)
        request = parse_request(request_data())
        manuscript = Manuscript(book_id="maya-1", title="Maya and the Egg", language="en", reader_name="Maya",
                                genre="adventure", description="An egg that is a spaceship.",
                                chapters=[ManuscriptChapter(number=1, title="One", text="Text.")])
        return services, request, manuscript

    return make


def test_illustrated_cover_is_requested_once_then_cached(setup, httpserver):
    png = png_bytes("red")
    httpserver.expect_request("/v1/images/generations", method="POST").respond_with_json(
        {"created": 1, "data": [{"b64_json": base64.b64encode(png).decode()}]})
    services, request, manuscript = setup()
    first, cost = make_cover(services, request, manuscript)
    assert first == png and cost == pytest.approx(0.04)
    calls = [req for req, _ in httpserver.log if req.path == "/v1/images/generations"]
    assert len(calls) == 1
    body = json.loads(calls[0].data)
    assert body["model"] == "gpt-image-1" and body["size"] == "1024x1536" and body["n"] == 1
    assert "Maya and the Egg" in body["prompt"] and "no text" in body["prompt"]
    again, cost_again = make_cover(services, request, manuscript)
    assert again == png and cost_again == 0.0
    assert len([r for r, _ in httpserver.log if r.path == "/v1/images/generations"]) == 1
    rows = services.analytics.query("SELECT cache_hit, cost_usd FROM llm_calls WHERE book_id = 'maya-1'")
    assert sorted((r["cache_hit"], r["cost_usd"]) for r in rows) == [(False, pytest.approx(0.04)), (True, 0.0)]


def test_images_api_failure_falls_back_to_the_local_cover(setup, httpserver):
    httpserver.expect_request("/v1/images/generations").respond_with_json({"error": {"message": "no"}}, status=500)
    services, request, manuscript = setup()
    png, cost = make_cover(services, request, manuscript)
    assert png.startswith(b"\x89PNG") and cost == 0.0
    assert Image.open(io.BytesIO(png)).size == (1600, 2400)


def test_without_the_setting_no_request_is_made(setup, httpserver):
    services, request, manuscript = setup(cover_images=False)
    png, _ = make_cover(services, request, manuscript)
    assert png.startswith(b"\x89PNG")
    assert not [r for r, _ in httpserver.log if r.path == "/v1/images/generations"]
