"""bookgen's errors, split by whose fault it is and whether retrying can help.

    BookgenError
    ├── ConfigError           ours: settings, missing model file — fix the deployment
    ├── InvalidRequest        the caller's: names the field — never retried (HTTP 400/422)
    ├── UpstreamError
    │   ├── UpstreamTransient a provider/network hiccup (429, 5xx, timeouts) — retryable (HTTP 503)
    │   └── UpstreamPermanent the provider refuses (auth, quota, bad request) — not retried
    ├── ModelOutputInvalid    the model's output stayed invalid after the bounded re-ask
    └── NotFound              an object that should exist does not
"""

from __future__ import annotations


class BookgenError(Exception):
    """Base of every error bookgen raises on purpose."""


class ConfigError(BookgenError):
    pass


class InvalidRequest(BookgenError):
    def __init__(self, message: str, field: str | None = None, errors: list[dict] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or []


class UpstreamError(BookgenError):
    pass


class UpstreamTransient(UpstreamError):
    pass


class UpstreamPermanent(UpstreamError):
    pass


class ModelOutputInvalid(BookgenError):
    pass


class NotFound(BookgenError):
    pass
