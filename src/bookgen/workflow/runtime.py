"""What a running execution offers to library functions: environment, clock, logging, HTTP.

Everything with a side effect goes through here so tests can swap it (a fake clock for retry backoff,
an in-process transport for HTTP)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Runtime:
    env: Mapping[str, str] = field(default_factory=dict)  # user env vars + the GOOGLE_CLOUD_* built-ins
    transport: Any = None  # bookgen.workflow.http.Transport; None → the default (real HTTP + local routes)
    token_provider: Any = None  # bookgen.workflow.http.TokenProvider for `auth: {type: OIDC|OAuth2}`
    log: Callable[[str, Any], None] = lambda severity, payload: None  # sys.log sink: (severity, payload)
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time
