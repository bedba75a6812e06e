"""OpenAIChat on the wire: against a real OpenAI-compatible server (llama-cpp-python's, serving the bundled
model) and, for the OpenAI dialect and error mapping, against a local fake HTTP server."""

from __future__ import annotations

import json
import socket
import time

import httpx2
import pytest
from pydantic import BaseModel, Field
from werkzeug import Response

from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from bookgen.llm import Params
from bookgen.llm.openai import OpenAIChat, strict_schema
from bookgen.llm.structured import generate_structured, schema_for

MSGS = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a colour."}]
PATH = "/v1/chat/completions"


def completion(content: str = "Blue.", cached: int = 0, finish: str = "stop") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-5.4-mini-2026-03-17",
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 3, "total_tokens": 1203,
                      "prompt_tokens_details": {"cached_tokens": cached}}}


def rate_limited(code: str = "rate_limit_exceeded", **headers: str) -> Response:
    body = {"error": {"message": "slow down", "type": "requests", "param": None, "code": code}}
    return Response(json.dumps(body), status=429, headers=headers, content_type="application/json")


pytestmark = pytest.mark.real_model  # every test here constructs the real adapter (tests/conftest.py)


@pytest.fixture(autouse=True)
def _no_base_url(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fake_openai(httpserver, sleeps):
    """An adapter that believes it talks to OpenAI (OpenAI dialect) but talks to the fake server."""
    return OpenAIChat("gpt-5.4-mini", base_url=httpserver.url_for("/v1"), api_key="sk-test", is_openai=True,
                      max_retries=2, timeout=5, sleep=sleeps.append)


# ---------------------------------------------------------------- the OpenAI dialect, on the wire

def test_openai_payload_is_exact(httpserver, fake_openai):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion('{"c": "blue"}', 1024))
    schema = {"name": "Colour", "schema": {"type": "object", "properties": {
        "c": {"type": "string", "maxLength": 10}, "shade": {"type": ["string", "null"], "default": None}}}}
    params = Params(max_tokens=50, temperature=0.2, seed=3, frequency_penalty=0.5, cache_key="colours-v1")
    gen = fake_openai.generate(MSGS, schema, params)
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert json.loads(request.data) == {
        "model": "gpt-5.4-mini", "messages": MSGS, "temperature": 0.2, "max_completion_tokens": 50, "seed": 3,
        "frequency_penalty": 0.5, "prompt_cache_key": "colours-v1",
        "response_format": {"type": "json_schema", "json_schema": {"name": "Colour", "strict": True, "schema": {
            "type": "object", "additionalProperties": False, "required": ["c", "shade"],
            "properties": {"c": {"type": "string", "maxLength": 10}, "shade": {"type": ["string", "null"]}}}}},
    }
    assert gen.parsed == {"c": "blue"} and gen.text == '{"c": "blue"}'
    assert (gen.usage.prompt_tokens, gen.usage.cached_tokens, gen.usage.completion_tokens) == (1200, 1024, 3)
    assert (gen.model, gen.provider, gen.attempts, gen.finish_reason) == ("gpt-5.4-mini", "openai", 1, "stop")
    assert gen.extra["served_model"] == "gpt-5.4-mini-2026-03-17"


def test_truncated_structured_output_is_not_parsed(httpserver, fake_openai):
    httpserver.expect_oneshot_request(PATH).respond_with_json(completion('{"c": "bl', finish="length"))
    gen = fake_openai.generate(MSGS, {"name": "C", "schema": {"type": "object"}}, Params(max_tokens=5))
    assert gen.parsed is None and gen.finish_reason == "length"


def test_strict_schema_is_recursive_and_does_not_mutate():
    schema = {"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "alt": {"anyOf": [{"$ref": "#/$defs/D"}, {"type": "null"}], "default": None}},
        "$defs": {"D": {"type": "object", "properties": {"y": {"type": "string"}}, "required": []}}}
    before = json.dumps(schema, sort_keys=True)
    strict = strict_schema(schema)
    assert json.dumps(schema, sort_keys=True) == before
    assert strict["required"] == ["items", "alt"] and strict["additionalProperties"] is False
    inner = strict["properties"]["items"]["items"]
    assert (inner["required"], inner["additionalProperties"]) == (["x"], False)
    assert strict["$defs"]["D"] == {"type": "object", "properties": {"y": {"type": "string"}}, "required": ["y"],
                                    "additionalProperties": False}
    assert "default" not in strict["properties"]["alt"]


# ---------------------------------------------------------------- retries and error mapping

def test_429_with_retry_after_is_retried_then_succeeds(httpserver, fake_openai, sleeps, caplog):
    httpserver.expect_ordered_request(PATH).respond_with_response(rate_limited(**{"Retry-After": "1.5"}))
    httpserver.expect_ordered_request(PATH).respond_with_response(rate_limited(**{"retry-after-ms": "250"}))
    httpserver.expect_ordered_request(PATH).respond_with_json(completion("Red."))
    gen = fake_openai.generate(MSGS, None, Params(max_tokens=5))
    assert gen.text == "Red." and gen.attempts == 3
    assert sleeps == [1.5, 0.25] and len(httpserver.log) == 3
    assert [r.getMessage() for r in caplog.records if r.name == "bookgen.llm.openai"] == [
        "openai retry 1/2 in 1.50 s after HTTP 429", "openai retry 2/2 in 0.25 s after HTTP 429"]


def test_500_is_retried_with_backoff_then_transient(httpserver, fake_openai, sleeps):
    httpserver.expect_request(PATH).respond_with_json({"error": {"message": "oops"}}, status=500)
    with pytest.raises(UpstreamTransient, match="HTTP 500 after 3 attempt"):
        fake_openai.generate(MSGS, None, Params(max_tokens=5))
    assert len(httpserver.log) == 3  # the SDK's own retries are off: exactly 1 + max_retries requests
    assert len(sleeps) == 2 and 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_401_is_permanent_without_retry(httpserver, fake_openai, sleeps):
    httpserver.expect_request(PATH).respond_with_json(
        {"error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}}, status=401)
    with pytest.raises(UpstreamPermanent, match="HTTP 401"):
        fake_openai.generate(MSGS, None, Params(max_tokens=5))
    assert len(httpserver.log) == 1 and sleeps == []


def test_insufficient_quota_is_permanent_without_retry(httpserver, fake_openai, sleeps):
    httpserver.expect_request(PATH).respond_with_response(rate_limited("insufficient_quota"))
    with pytest.raises(UpstreamPermanent, match="insufficient_quota"):
        fake_openai.generate(MSGS, None, Params(max_tokens=5))
    assert len(httpserver.log) == 1 and sleeps == []


def test_retry_after_above_120_s_is_not_waited_for(httpserver, fake_openai, sleeps):
    httpserver.expect_request(PATH).respond_with_response(rate_limited(**{"Retry-After": "600"}))
    with pytest.raises(UpstreamTransient, match="Retry-After exceeds 120"):
        fake_openai.generate(MSGS, None, Params(max_tokens=5))
    assert len(httpserver.log) == 1 and sleeps == []


def test_timeouts_are_retried_then_transient(httpserver, sleeps):
    def slow(request):
        time.sleep(0.6)
        return Response(json.dumps(completion()), content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    llm = OpenAIChat("m", base_url=httpserver.url_for("/v1"), max_retries=1, timeout=0.2, sleep=sleeps.append)
    with pytest.raises(UpstreamTransient, match="APITimeoutError after 2 attempt"):
        llm.generate(MSGS, None, Params(max_tokens=5))
    assert len(sleeps) == 1


def test_connection_errors_are_retried_then_transient(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    llm = OpenAIChat("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, timeout=2, sleep=sleeps.append)
    with pytest.raises(UpstreamTransient, match="APIConnectionError after 2 attempt"):
        llm.generate(MSGS, None, Params(max_tokens=5))
    assert len(sleeps) == 1


def test_key_rules(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIChat("gpt-5.4-mini")
    local = OpenAIChat("m", base_url="http://127.0.0.1:9/v1")
    assert (local.is_openai, local._api_key) == (False, "not-needed")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    assert OpenAIChat("m").base_url == "http://127.0.0.1:9/v1"


# ---------------------------------------------------------------- a real compatible server: llama-cpp-python's



class RecordingTransport(httpx2.BaseTransport):
    """The SDK's real HTTP transport, keeping a copy of every request it sends."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.requests: list[httpx2.Request] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)

    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def recorded(llama_server) -> tuple[OpenAIChat, RecordingTransport]:
    transport = RecordingTransport()
    llm = OpenAIChat("SmolLM2-135M-Instruct", base_url=llama_server, structured="json_object", max_retries=0,
                     timeout=60, http_client=httpx2.Client(transport=transport))
    return llm, transport


class Colour(BaseModel):
    name: str = Field(max_length=16)
    warm: bool


@pytest.mark.slow
def test_real_server_free_text_exact_payload(recorded):
    llm, transport = recorded
    params = Params(max_tokens=12, temperature=0.2, seed=3, frequency_penalty=0.5, presence_penalty=0.3,
                    repeat_penalty=1.2, cache_key="colours-v1")
    gen = llm.generate(MSGS, None, params)
    assert transport.bodies() == [{
        "model": "SmolLM2-135M-Instruct", "messages": MSGS, "temperature": 0.2, "max_tokens": 12, "seed": 3,
        "frequency_penalty": 0.5, "presence_penalty": 0.3, "repeat_penalty": 1.2,  # no prompt_cache_key here
    }]
    assert transport.requests[0].url.path == "/v1/chat/completions"
    assert gen.text.strip() and gen.parsed is None and gen.finish_reason in ("stop", "length")
    assert gen.usage.prompt_tokens > 10 and 0 < gen.usage.completion_tokens <= 12 and gen.usage.cached_tokens == 0
    assert (gen.provider, gen.model, gen.attempts) == ("openai", "SmolLM2-135M-Instruct", 1)


@pytest.mark.slow
def test_real_server_structured_output_parses(recorded):
    llm, transport = recorded
    messages = [{"role": "user", "content": "Describe the colour of a sunset as JSON with a name and warm."}]
    colour, gens = generate_structured(llm, messages, Colour, Params(max_tokens=40, temperature=0.2, seed=5),
                                       reasks=0)
    assert isinstance(colour, Colour) and len(gens) == 1 and gens[0].parsed == colour.model_dump()
    assert transport.bodies()[0]["response_format"] == {"type": "json_object",
                                                         "schema": schema_for(Colour)["schema"]}
    assert transport.bodies()[0]["max_tokens"] == 40 and "max_completion_tokens" not in transport.bodies()[0]
    assert gens[0].usage.completion_tokens > 0


@pytest.mark.slow
def test_real_server_rejects_the_json_schema_dialect(llama_server):
    """Why the dialect setting exists: llama-cpp-python's server answers OpenAI's json_schema with HTTP 500."""
    llm = OpenAIChat("m", base_url=llama_server, structured="json_schema", max_retries=0, timeout=30)
    with pytest.raises(UpstreamTransient, match="HTTP 500"):
        llm.generate(MSGS, schema_for(Colour), Params(max_tokens=10))
