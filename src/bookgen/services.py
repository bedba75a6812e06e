"""The ports a step works with, built once per process from settings (tests build their own)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from bookgen.settings import Settings, get_settings


@dataclass
class Services:
    settings: Settings
    storage: Any  # bookgen.storage.Storage
    analytics: Any  # bookgen.analytics.Analytics
    llm: Any  # bookgen.llm.LLM, wrapped in the response cache
    events: Any  # bookgen.events.Events


def build_services(settings: Settings, llm: Any = None) -> Services:
    """The adapters the settings choose (local by default); `llm` overrides the configured provider (tests)."""
    from bookgen.llm.cache import CachedLLM
    from bookgen.llm.factory import make_llm

    storage = make_storage(settings)
    inner = llm if llm is not None else make_llm(settings)
    return Services(settings, storage, make_analytics(settings), CachedLLM(inner, storage), make_events(settings))


def build_io_services(settings: Settings) -> Services:
    """Storage and events only, for the API and the notifier: they never call a model nor write analytics (so
    their images need neither llama.cpp nor an OpenAI key)."""
    return Services(settings, make_storage(settings), None, None, make_events(settings))


def _project(settings: Settings) -> str:
    from bookgen.errors import ConfigError

    project = settings.gcp_project or os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        raise ConfigError("set BOOKGEN_GCP_PROJECT (or GOOGLE_CLOUD_PROJECT) for the Google Cloud backends")
    return project


def make_storage(settings: Settings) -> Any:
    if settings.storage == "gcs":
        from bookgen.errors import ConfigError
        from bookgen.storage.gcs import GcsStorage

        if not (settings.raw_bucket and settings.processed_bucket):
            raise ConfigError("storage=gcs needs BOOKGEN_RAW_BUCKET and BOOKGEN_PROCESSED_BUCKET")
        return GcsStorage(settings.raw_bucket, settings.processed_bucket)
    from bookgen.storage.local import LocalStorage

    return LocalStorage(settings.data_dir)


def make_analytics(settings: Settings) -> Any:
    if settings.analytics == "bigquery":
        from bookgen.analytics.bigquery import BigQueryAnalytics

        return BigQueryAnalytics(_project(settings), settings.bq_dataset)
    from bookgen.analytics.duckdb import DuckDBAnalytics

    return DuckDBAnalytics(settings.data_dir / "analytics.duckdb", prices=settings.prices)


def make_events(settings: Settings) -> Any:
    if settings.events == "pubsub":
        from bookgen.events.pubsub import PubSubEvents

        return PubSubEvents(_project(settings), {"book-notifications": settings.notifications_topic,
                                                 "book-requests": settings.requests_topic})
    from bookgen.events.local import LocalEvents

    return LocalEvents(settings.data_dir)


@functools.cache
def get_services() -> Services:
    return build_services(get_settings())
