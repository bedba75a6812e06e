"""The ports a step works with, built once per process from settings (tests build their own)."""

from __future__ import annotations

import functools
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
    """Local adapters rooted at `settings.data_dir`; `llm` overrides the configured provider (tests)."""
    from bookgen.analytics.duckdb import DuckDBAnalytics
    from bookgen.events.local import LocalEvents
    from bookgen.llm.cache import CachedLLM
    from bookgen.llm.factory import make_llm
    from bookgen.storage.local import LocalStorage

    root = settings.data_dir
    storage = LocalStorage(root)
    inner = llm if llm is not None else make_llm(settings)
    return Services(settings, storage, DuckDBAnalytics(root / "analytics.duckdb", prices=settings.prices), CachedLLM(inner, storage),
                    LocalEvents(root))


@functools.cache
def get_services() -> Services:
    return build_services(get_settings())
