"""The HTTP edge of every step, shared by the Cloud Functions (`steps/<name>/main.py`) and the local engine's
in-process routes, so both run the same code path.

Errors map by fault: the caller's mistake → 400/422 (never retried); a transient upstream failure → 503
(the workflow's retry policy retries it); anything else → 500 with the error type, never a stack trace.
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any

from bookgen.errors import (
    BookgenError,
    ConfigError,
    InvalidRequest,
    ModelOutputInvalid,
    NotFound,
    UpstreamPermanent,
    UpstreamTransient,
)
from bookgen.pipeline import STEPS

log = logging.getLogger("bookgen.edge")


def handle(step: str, payload: Any, services: Any = None) -> tuple[int, dict[str, Any]]:
    """Run one step on a decoded JSON payload; returns (status, JSON body)."""
    if step not in STEPS:
        return 404, {"error": "NotFound", "message": f"no step {step!r}"}
    if services is None:
        from bookgen.services import get_services

        services = get_services()
    module = importlib.import_module(f"bookgen.pipeline.{step}")
    try:
        return 200, module.run(services, payload)
    except InvalidRequest as e:
        return 422, {"error": "InvalidRequest", "message": str(e), "field": e.field, "errors": e.errors}
    except UpstreamTransient as e:
        log.warning("step %s: transient upstream failure: %s", step, e)
        return 503, {"error": "UpstreamTransient", "message": str(e)}
    except (UpstreamPermanent, ModelOutputInvalid, ConfigError, NotFound) as e:
        log.error("step %s failed: %s: %s", step, type(e).__name__, e)
        return 500, {"error": type(e).__name__, "message": str(e)}
    except BookgenError as e:
        log.error("step %s failed: %s: %s", step, type(e).__name__, e)
        return 500, {"error": type(e).__name__, "message": str(e)}
    except Exception:
        log.exception("step %s: unexpected error", step)
        return 500, {"error": "InternalError", "message": "internal error (see the logs)"}


def flask_response(step: str, request: Any) -> tuple[str, int, dict[str, str]]:
    """For functions-framework: a Flask request in, (body, status, headers) out."""
    payload = request.get_json(silent=True)
    if payload is None:
        status, body = 400, {"error": "InvalidRequest", "message": "the body must be JSON (Content-Type: "
                             "application/json)"}
    else:
        status, body = handle(step, payload)
    return json.dumps(body, ensure_ascii=False), status, {"Content-Type": "application/json"}
