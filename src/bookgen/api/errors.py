"""Every error the API answers is JSON `{"error": {"code", "message", "field"?, "errors"?}}`, never a stack trace.

- `ApiError` is raised by the routes with the status and code to answer.
- Validation errors (body, query, path, headers) become 422 naming the field path (`reader.name`,
  `formats[2]`), like the CLI and the step functions do.
- bookgen's own errors map by fault: the caller's → 422, a transient upstream failure → 503 with Retry-After
  (the client retries), anything else → 500 "internal error" with a request id that is in the log line.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bookgen.errors import InvalidRequest, UpstreamTransient
from bookgen.validation import field_path

log = logging.getLogger("bookgen.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers, self.errors = headers or {}, errors


def error_body(code: str, message: str, field: str | None = None, errors: list | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    if errors:
        error["errors"] = errors
    return {"error": error}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    """`("body", "reader", "name")` → `reader.name`; `("query", "limit")` → `limit`; `("header", ...)` keeps the
    header's name."""
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    return field_path(tuple(loc))


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            out.append({"field": "(json)", "message": f"the body is not valid JSON: {err.get('ctx', {}).get('error', message)}"})
            continue
        out.append({"field": _field(tuple(err.get("loc", ()))), "message": message.removeprefix("Value error, ")})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, error_body(exc.code, exc.message, exc.field, exc.errors), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _json(422, error_body("invalid_request", f"invalid request: {text}", errors[0]["field"], errors))

    @app.exception_handler(InvalidRequest)
    async def _invalid(request: Request, exc: InvalidRequest) -> JSONResponse:
        return _json(422, error_body("invalid_request", str(exc), exc.field, exc.errors))

    @app.exception_handler(UpstreamTransient)
    async def _transient(request: Request, exc: UpstreamTransient) -> JSONResponse:
        log.warning("%s %s: transient failure: %s", request.method, request.url.path, exc)
        return _json(503, error_body("unavailable", "a backend is temporarily unavailable; retry"),
                     {"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = "no such route" if exc.status_code == 404 else str(exc.detail)
        return _json(exc.status_code, error_body(code, message), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.error("%s %s failed (request %s)", request.method, request.url.path, request_id, exc_info=exc)
        return _json(500, error_body("internal", f"internal error (request {request_id})"))
