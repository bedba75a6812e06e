"""HTTP transports and auth for the workflow interpreter (the layer under `http.get`, `http.post`, ...).

Designed like httpx's injectable transports: the stdlib functions build an `HttpRequest`, hand it to
`runtime.transport.send(...)` and turn the `HttpResponse` into the Workflows result map. Anything with a
`send(HttpRequest) -> HttpResponse` method is a transport, so tests swap the network for a Python function.

    http.get / http.post / ... (stdlib.http)   Workflows semantics: args -> HttpRequest; status >= 400 -> HttpError
                │
                ▼  runtime.transport.send(HttpRequest) -> HttpResponse
    LocalRoutes ──── URL starts with a mounted prefix ("local://", "http://books.local/") ──> handler(...) in-process
                └─── anything else ──> fallback (HttpxTransport: one shared httpx.Client, real network)

Failures a transport raises, as workflow errors (`errors.error(tag, ...)`):

    httpx.ConnectError, httpx.ProxyError  (refused, DNS failure, TLS handshake)  ──> ConnectionFailedError
    httpx.TimeoutException (connect/read/write/pool) or total time > timeout     ──> TimeoutError
    httpx.ReadError/WriteError/CloseError, RemoteProtocolError (peer closed,
      truncated body), DecodingError (corrupt gzip)  -- after connecting        ──> ConnectionError
    httpx.UnsupportedProtocol, InvalidURL, LocalProtocolError (bad URL/header)   ──> ValueError
    LocalRoutes handler raises a WorkflowError tagged TimeoutError,
      ConnectionError or ConnectionFailedError  (simulated network failure)      ──> re-raised unchanged
    LocalRoutes handler raises anything else                                     ──> 500 response, JSON error body

The split of the two connection tags follows the error-types page and the default retry predicates (the
per-function pages word it the other way round): "never connected" is ConnectionFailedError, "connected, then
broke" is ConnectionError.

Redirects are NOT followed (httpx's default, kept on purpose): the Workflows docs only say that status >= 400
raises HttpError, so a 3xx comes back to the workflow as a normal response with its `Location` header, and a
POST is never silently turned into a GET nor an Authorization header forwarded to another host.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

from bookgen.workflow.errors import WorkflowError, error

USER_AGENT = "GoogleCloudWorkflows; (+https://cloud.google.com/workflows/docs)"
NETWORK_TAGS = frozenset({"TimeoutError", "ConnectionError", "ConnectionFailedError"})
_log = logging.getLogger(__name__)


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float = 300.0


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names; repeated headers joined by ", "
    body: bytes = b""


class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Perform `request`; raise TimeoutError/ConnectionFailedError/ConnectionError workflow errors on failure."""
        ...


def media_type(headers: dict[str, str]) -> tuple[str, str]:
    """(`type/subtype` lower-cased, charset or "") of the Content-Type in `headers` (any key case)."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    kind, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, val = param.strip().partition("=")
        if name.lower() == "charset":
            charset = val.strip().strip('"')
    return kind.strip().lower(), charset


def is_json_type(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


# ---------------------------------------------------------------------------------------------- real network


class HttpxTransport:
    """Real HTTP through one shared, lazily created `httpx.Client` (thread-safe; pool of `max_connections`).

    `trust_env=False` by default so that environment proxies and ~/.netrc credentials do not change requests
    behind the workflow's back; `verify` is passed to httpx (TLS verification on by default).
    """

    def __init__(self, *, max_connections: int = 64, trust_env: bool = False, verify: bool = True):
        self._limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._trust_env = trust_env
        self._verify = verify
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(
                        limits=self._limits, follow_redirects=False, trust_env=self._trust_env,
                        verify=self._verify, headers={"User-Agent": USER_AGENT},
                    )
        return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def send(self, request: HttpRequest) -> HttpResponse:
        headers = dict(request.headers)
        ua = next((k for k in headers if k.lower() == "user-agent"), None)
        # Workflows appends its own product token to a user-supplied User-Agent.
        headers[ua or "User-Agent"] = f"{headers[ua]} {USER_AGENT}" if ua else USER_AGENT
        deadline = time.monotonic() + request.timeout
        try:
            with self.client.stream(
                request.method, request.url, headers=headers, content=request.body,
                timeout=httpx.Timeout(request.timeout),
            ) as resp:
                chunks = []
                for chunk in resp.iter_bytes():  # httpx timeouts are per read: also enforce the total deadline
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("total timeout exceeded")
                out = {k.lower(): v for k, v in resp.headers.items()}
                if "content-encoding" in out:  # the body was decompressed: drop the now-wrong framing headers
                    out.pop("content-encoding")
                    out.pop("content-length", None)
                return HttpResponse(resp.status_code, out, b"".join(chunks))
        except httpx.TimeoutException as exc:
            raise error("TimeoutError", "request timed out") from exc
        except (httpx.ConnectError, httpx.ProxyError) as exc:
            host = urlsplit(request.url).netloc
            raise error("ConnectionFailedError", f"failed to connect to {host}: {exc}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
            raise error("ValueError", f"invalid request to {request.url!r}: {exc}") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise error("ConnectionError", f"connection error: {exc or type(exc).__name__}") from exc


# ------------------------------------------------------------------------------------------ in-process routes

Handler = Callable[[str, str, dict[str, Any], dict[str, str], Any], Any]


class LocalRoutes:
    """Serve URLs under mounted prefixes in-process; send everything else to `fallback`.

    Handler contract -- `handler(method, path, query, headers, body)`:
      method   upper-case HTTP method.
      path     the URL after the prefix, query and fragment removed, always starting with "/"
               (prefix "local://", URL "local://books/ch/1?x=2" -> "/books/ch/1").
      query    {name: value}; a name given more than once maps to the list of its values.
      headers  request headers with lower-case names.
      body     None if empty; decoded JSON for JSON content types; str for text/*; bytes otherwise.
    It returns one of:
      value                      -> 200 with `value` as JSON (None -> empty body);
      (status, value)            -> that status, `value` as JSON (bytes -> application/octet-stream, None -> empty);
      (status, value, headers)   -> same plus extra response headers;
      HttpResponse               -> sent as is.
    A handler that raises a WorkflowError tagged TimeoutError/ConnectionError/ConnectionFailedError simulates that
    network failure; any other exception becomes a 500 with body {"error": <type>, "message": <str>}.
    Handlers run on the calling thread (parallel branches call them concurrently: make them thread-safe). The
    timeout is checked after the handler returns: a handler slower than `timeout` yields TimeoutError.
    """

    def __init__(self, routes: dict[str, Handler] | None = None, fallback: Transport | None = None):
        self.routes: dict[str, Handler] = dict(routes or {})
        self.fallback = fallback

    def mount(self, prefix: str, handler: Handler) -> None:
        self.routes[prefix] = handler

    def send(self, request: HttpRequest) -> HttpResponse:
        prefix = max((p for p in self.routes if request.url.startswith(p)), key=len, default=None)
        if prefix is None:
            if self.fallback is None:
                raise error("ConnectionFailedError", f"no local route and no network transport for {request.url}")
            return self.fallback.send(request)
        rest = request.url[len(prefix):].split("#", 1)[0]
        path, _, qs = rest.partition("?")
        path = path if path.startswith("/") else "/" + path
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(qs, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        started = time.monotonic()
        try:
            result = self.routes[prefix](request.method, path, query, headers, _decode_body(headers, request.body))
            response = _to_response(result)
        except WorkflowError as exc:
            if NETWORK_TAGS.intersection(exc.tags):
                raise
            response = _server_error(exc)
        except Exception as exc:  # noqa: BLE001 - a handler bug must not crash the engine
            response = _server_error(exc)
        if time.monotonic() - started > request.timeout:
            raise error("TimeoutError", "request timed out")
        return response


def _decode_body(headers: dict[str, str], body: bytes | None) -> Any:
    if not body:
        return None
    kind, charset = media_type(headers)
    if is_json_type(kind):
        try:
            return json.loads(body.decode(charset or "utf-8"))
        except (ValueError, LookupError):
            return body
    if kind.startswith("text/"):
        return body.decode(charset or "utf-8", errors="replace")
    return body


def _to_response(result: Any) -> HttpResponse:
    if isinstance(result, HttpResponse):
        return HttpResponse(result.status, {k.lower(): v for k, v in result.headers.items()}, result.body)
    status, value, extra = 200, result, {}
    if isinstance(result, tuple):
        if len(result) == 2:
            status, value = result
        elif len(result) == 3:
            status, value, extra = result
        else:
            raise TypeError(f"handler returned a tuple of {len(result)} items; expected (status, body[, headers])")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise TypeError(f"handler returned an invalid status {status!r}")
    headers: dict[str, str] = {}
    if value is None:
        body = b""
    elif isinstance(value, bytes):
        body, headers["content-type"] = value, "application/octet-stream"
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers["content-type"] = "application/json; charset=utf-8"
    headers.update({str(k).lower(): str(v) for k, v in dict(extra).items()})
    return HttpResponse(status, headers, body)


def _server_error(exc: BaseException) -> HttpResponse:
    _log.exception("local route handler failed", exc_info=exc)
    payload = {"error": type(exc).__name__, "message": str(exc)}
    return HttpResponse(500, {"content-type": "application/json; charset=utf-8"}, json.dumps(payload).encode())


# ------------------------------------------------------------------------------------------------------ auth


class TokenProvider(Protocol):
    def token(self, kind: str, audience: str | None, scopes: list[str] | None) -> str | None:
        """A bearer token for `kind` "OIDC" (ID token for `audience`) or "OAuth2" (access token for `scopes`);
        None or "" sends no Authorization header."""
        ...


class NoAuth:
    """The local default: `auth:` is accepted but no Authorization header is sent."""

    def token(self, kind: str, audience: str | None, scopes: list[str] | None) -> str | None:
        return None


@dataclass
class StaticTokenProvider:
    """Returns `value` for every request and records each call as (kind, audience, scopes)."""

    value: str = "test-token"
    calls: list[tuple[str, str | None, list[str] | None]] = field(default_factory=list)

    def token(self, kind: str, audience: str | None, scopes: list[str] | None) -> str | None:
        self.calls.append((kind, audience, scopes))
        return self.value


DEFAULT_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def auth_headers(
    provider: TokenProvider, kind: str, url: str, audience: str | None = None, scopes: list[str] | None = None,
) -> dict[str, str]:
    """The Authorization header for `auth: {type: kind, ...}` on `url` (empty if the provider gives no token).

    OIDC audience defaults to the URL without query and fragment; OAuth2 scopes default to cloud-platform.
    A provider failure becomes an AuthError ("generating credentials for an HTTP request fails")."""
    if kind == "OIDC":
        if audience is None:
            parts = urlsplit(url)
            audience = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        scopes = None
    else:
        audience, scopes = None, list(scopes or DEFAULT_SCOPES)
    try:
        token = provider.token(kind, audience, scopes)
    except WorkflowError:
        raise
    except Exception as exc:
        raise error("AuthError", f"failed to generate {kind} credentials: {exc}") from exc
    return {"Authorization": f"Bearer {token}"} if token else {}
