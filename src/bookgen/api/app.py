"""The REST API: `create_app()` builds it for Cloud Run (`uvicorn --factory bookgen.api.app:create_app`) and for
`bookgen serve`. Routes are thin: authentication and limits here, the work in `bookgen.api.books`.

    POST /v1/books                    202 {book_id, status, links}  (Idempotency-Key optional)
    GET  /v1/books                    the caller's books, newest first, paginated by cursor
    GET  /v1/books/{book_id}          queued | running (chapters done/total, cost so far) | ready | failed
    GET  /v1/books/{book_id}/files/{format}   the file (local storage) or a 307 to a signed URL (GCS)
    GET  /healthz                     liveness, no authentication
    GET  /docs, /openapi.json         the OpenAPI description
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from bookgen import __version__
from bookgen.api import books, errors
from bookgen.api.errors import ApiError
from bookgen.api.keys import ApiKey, KeyRing, load_keyring
from bookgen.api.limits import BodyLimit, RateLimiter
from bookgen.models import BookRequest

BOOK_ID = r"^[a-z0-9-]{1,64}$"
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer bk_...`")


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> ApiKey:
    """The key the request authenticates with (401 otherwise), counted against its request rate (429)."""
    state, challenge = request.app.state, {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthenticated", "send an API key: Authorization: Bearer <key>", headers=challenge)
    key = state.keyring.authenticate(credentials.credentials)
    if key is None:
        raise ApiError(401, "unauthenticated", "unknown API key", headers=challenge)
    wait = state.limiter.check(key.name, key.requests_per_minute or state.services.settings.api_requests_per_minute)
    if wait:
        raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait} s",
                       headers={"Retry-After": str(wait)})
    return key


Caller = Annotated[ApiKey, Depends(caller)]
BookId = Annotated[str, PathParam(pattern=BOOK_ID, description="The id POST /v1/books answered.")]


class Accepted(BaseModel):
    book_id: str
    status: str = Field(description="queued, running, ready or failed.")
    created: bool = Field(description="False when this answers a repeated request (same Idempotency-Key, or "
                          "the same request from the same key) with the book it already made.")
    links: dict[str, str]


def create_app(services: Any = None, keyring: KeyRing | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    if services is None:
        from bookgen.services import build_io_services
        from bookgen.settings import get_settings

        services = build_io_services(get_settings())
    settings = services.settings
    ring = keyring if keyring is not None else load_keyring(settings)
    limiter = RateLimiter()
    app = FastAPI(title="bookgen", version=__version__,
                  description="Personalized books written by LLMs: request a book, follow it, download it. "
                              "Every route under /v1 needs `Authorization: Bearer <API key>`.")
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    errors.install(app)
    app.state.services, app.state.keyring, app.state.limiter = services, ring, limiter

    def base_url(request: Request) -> str:
        return (settings.api_public_url or str(request.base_url)).rstrip("/")

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.post("/v1/books", status_code=202, response_model=Accepted, tags=["books"],
              responses={409: {"description": "Idempotency-Key reused for a different request"},
                         413: {"description": "Body too large"}, 429: {"description": "Rate limited"}})
    async def create_book(
        body: BookRequest, request: Request, key: Caller,
        idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY, description=(
            "Makes retries safe: the same key returns the same book and enqueues nothing new."))] = None,
    ) -> JSONResponse:
        if body.book_id is not None:
            raise ApiError(422, "invalid_request", "book_id: the API assigns book ids; send an Idempotency-Key "
                           "to make retries safe", field="book_id")
        if body.callback_url is not None:
            await run_in_threadpool(_check_callback, body.callback_url, settings)
        book_id, created = await run_in_threadpool(
            books.accept, services, key.name, key.books_per_day if key.books_per_day is not None
            else settings.api_books_per_day, body, idempotency_key, clock())
        link = f"{base_url(request)}/v1/books/{book_id}"
        state = "queued" if created else (await run_in_threadpool(
            books.status, services, books.owned_submission(services.storage, key.name, book_id),
            base_url(request), clock()))["status"]
        payload = Accepted(book_id=book_id, status=state, created=created, links={"self": link})
        headers = {"Location": link} | ({} if created else {"Idempotent-Replayed": "true"})
        return JSONResponse(payload.model_dump(), status_code=202, headers=headers)

    @app.get("/v1/books", tags=["books"])
    def list_books(request: Request, key: Caller,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20,
                   cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
        return books.page(services, key.name, limit, cursor, base_url(request), clock())

    @app.get("/v1/books/{book_id}", tags=["books"])
    def get_book(book_id: BookId, request: Request, key: Caller) -> dict[str, Any]:
        submission = books.owned_submission(services.storage, key.name, book_id)
        return books.status(services, submission, base_url(request), clock())

    @app.get("/v1/books/{book_id}/files/{file_format}", tags=["books"], response_class=Response,
             responses={200: {"content": {"application/octet-stream": {}}},
                        307: {"description": "Redirect to a short-lived signed URL (Cloud Storage)"},
                        409: {"description": "The book is not ready"}})
    def get_file(book_id: BookId,
                 file_format: Literal["epub", "pdf", "html", "md", "cover"], key: Caller) -> Response:
        books.owned_submission(services.storage, key.name, book_id)
        info = books.file_of(services, book_id, file_format)
        storage = services.storage
        filename = f"{book_id}.{info.key.rsplit('.', 1)[1]}"
        media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if hasattr(storage, "signed_url"):
            return RedirectResponse(storage.signed_url(info.key, minutes=settings.api_signed_url_minutes),
                                    status_code=307)
        if hasattr(storage, "path"):
            return FileResponse(storage.path(info.key), media_type=media, filename=filename)
        return Response(storage.read(info.key), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return app


def _check_callback(url: str, settings: Any) -> None:
    from bookgen.notifier.targets import UnsafeTarget, check_callback_url

    try:
        check_callback_url(url, allow_http=settings.webhook_allow_http, allow_private=settings.webhook_allow_private)
    except UnsafeTarget as e:
        raise ApiError(422, "invalid_request", f"callback_url: {e}", field="callback_url") from None
