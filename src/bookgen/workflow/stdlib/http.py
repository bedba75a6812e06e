"""`http.*`: HTTP requests, the default retry predicates and the default retry policies.

Arguments, order and errors follow https://cloud.google.com/workflows/docs/reference/stdlib/http/get (and
/post, /request, ...). Positional order is the documented table order, e.g. http.post(url, timeout, body, headers,
query, auth, private_service_name, ca_certificate); http.request takes `method` first.

Request body (no Content-Type given): bytes -> application/octet-stream; anything else -> JSON with
`Content-Type: application/json; charset=utf-8`. A given Content-Type is honoured: bytes are sent raw; a map
with application/x-www-form-urlencoded is form-encoded; a string with a non-JSON type is sent as text (charset
from the header, UTF-8 by default); everything else is JSON-encoded.

Response: {"body", "code", "headers"}. Body: JSON types (application/json, */*+json) parsed (invalid JSON ->
the text); text/* -> string; anything else -> bytes; an empty body -> null ("" for text/*). Header names are
put in Go's canonical form ("Content-Type"), as the service returns them. Status >= 400 raises HttpError
{"message": "HTTP server responded with error code N", "tags": ["HttpError"], "code", "headers", "body"}.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from bookgen.workflow.errors import error
from bookgen.workflow.http import (
    HttpRequest,
    HttpResponse,
    HttpxTransport,
    LocalRoutes,
    NoAuth,
    Transport,
    auth_headers,
    is_json_type,
    media_type,
)
from bookgen.workflow.runtime import Runtime
from bookgen.workflow.stdlib import function
from bookgen.workflow.values import FunctionRef, type_name

DEFAULT_TIMEOUT = 300.0
MAX_TIMEOUT = 1800.0
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_BODY_PARAMS = ("url", "timeout", "body", "headers", "query", "auth", "private_service_name", "ca_certificate")
_GET_PARAMS = ("url", "timeout", "headers", "query", "auth", "private_service_name", "ca_certificate")

# retry.default_backoff (secondary sources agree: initial 1 s, max 60 s, multiplier 1.25).
_BACKOFF = {"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}
POLICIES: dict[str, dict[str, Any]] = {
    "http.default_retry": {
        "predicate": FunctionRef("http.default_retry_predicate"), "max_retries": 5, "backoff": dict(_BACKOFF),
    },
    "http.default_retry_non_idempotent": {
        "predicate": FunctionRef("http.default_retry_predicate_non_idempotent"), "max_retries": 5,
        "backoff": dict(_BACKOFF),
    },
}

_default_transport: Transport | None = None
_default_lock = threading.Lock()


def default_transport() -> Transport:
    """The transport used when `runtime.transport` is None: no local routes, real network (created once)."""
    global _default_transport
    if _default_transport is None:
        with _default_lock:
            if _default_transport is None:
                _default_transport = LocalRoutes({}, fallback=HttpxTransport())
    return _default_transport


# ------------------------------------------------------------------------------------------------ functions


@function("http.get", _GET_PARAMS, required=1, blocking=True, runtime=True)
def http_get(rt: Runtime, url: Any, timeout: Any = None, headers: Any = None, query: Any = None,
             auth: Any = None, private_service_name: Any = None, ca_certificate: Any = None) -> dict[str, Any]:
    return request(rt, "GET", url, timeout, None, headers, query, auth, private_service_name, ca_certificate)


@function("http.post", _BODY_PARAMS, required=1, blocking=True, runtime=True)
def http_post(rt: Runtime, url: Any, timeout: Any = None, body: Any = None, headers: Any = None,
              query: Any = None, auth: Any = None, private_service_name: Any = None,
              ca_certificate: Any = None) -> dict[str, Any]:
    return request(rt, "POST", url, timeout, body, headers, query, auth, private_service_name, ca_certificate)


@function("http.put", _BODY_PARAMS, required=1, blocking=True, runtime=True)
def http_put(rt: Runtime, url: Any, timeout: Any = None, body: Any = None, headers: Any = None,
             query: Any = None, auth: Any = None, private_service_name: Any = None,
             ca_certificate: Any = None) -> dict[str, Any]:
    return request(rt, "PUT", url, timeout, body, headers, query, auth, private_service_name, ca_certificate)


@function("http.patch", _BODY_PARAMS, required=1, blocking=True, runtime=True)
def http_patch(rt: Runtime, url: Any, timeout: Any = None, body: Any = None, headers: Any = None,
               query: Any = None, auth: Any = None, private_service_name: Any = None,
               ca_certificate: Any = None) -> dict[str, Any]:
    return request(rt, "PATCH", url, timeout, body, headers, query, auth, private_service_name, ca_certificate)


@function("http.delete", _BODY_PARAMS, required=1, blocking=True, runtime=True)
def http_delete(rt: Runtime, url: Any, timeout: Any = None, body: Any = None, headers: Any = None,
                query: Any = None, auth: Any = None, private_service_name: Any = None,
                ca_certificate: Any = None) -> dict[str, Any]:
    return request(rt, "DELETE", url, timeout, body, headers, query, auth, private_service_name, ca_certificate)


@function("http.request", ("method", *_BODY_PARAMS), required=2, blocking=True, runtime=True)
def http_request(rt: Runtime, method: Any, url: Any, timeout: Any = None, body: Any = None, headers: Any = None,
                 query: Any = None, auth: Any = None, private_service_name: Any = None,
                 ca_certificate: Any = None) -> dict[str, Any]:
    if not isinstance(method, str):
        raise error("TypeError", f"http.request: method must be a string, got {type_name(method)}")
    if method.upper() not in METHODS:
        raise error("ValueError", f"http.request: method must be one of {', '.join(METHODS)}, got {method!r}")
    return request(rt, method.upper(), url, timeout, body, headers, query, auth, private_service_name,
                   ca_certificate, name="http.request")


@function("http.default_retry_predicate", ("exception",))
def default_retry_predicate(exception: Any) -> bool:
    """True for HTTP 429, 502, 503, 504 and ConnectionError, ConnectionFailedError, TimeoutError."""
    return _matches(exception, {429, 502, 503, 504}, {"ConnectionError", "ConnectionFailedError", "TimeoutError"})


@function("http.default_retry_predicate_non_idempotent", ("exception",))
def default_retry_predicate_non_idempotent(exception: Any) -> bool:
    """True for HTTP 429, 503 and ConnectionFailedError."""
    return _matches(exception, {429, 503}, {"ConnectionFailedError"})


def _matches(e: Any, codes: set[int], tags: set[str]) -> bool:
    if not isinstance(e, dict) or not isinstance(e.get("tags"), list):
        return False  # a raised string, or a map that is not an error map
    if any(isinstance(t, str) and t in tags for t in e["tags"]):
        return True
    code = e.get("code")
    return isinstance(code, int) and not isinstance(code, bool) and code in codes


# ----------------------------------------------------------------------------------------------- the request


def request(rt: Runtime, method: str, url: Any, timeout: Any, body: Any, headers: Any, query: Any, auth: Any,
            private_service_name: Any, ca_certificate: Any, name: str | None = None) -> dict[str, Any]:
    """Validate the arguments, send through the runtime's transport and build the Workflows response map."""
    name = name or f"http.{method.lower()}"
    url = _with_query(_check_url(name, url), query, name)
    seconds = _check_timeout(name, timeout)
    hdrs = _check_headers(name, headers)
    if private_service_name is not None:
        if not isinstance(private_service_name, str):
            raise error("TypeError", f"{name}: private_service_name must be a string")
        raise error("ValueError", f"{name}: private_service_name is not supported locally (no Service Directory)")
    if ca_certificate is not None:
        if not isinstance(ca_certificate, bytes):
            raise error("ValueError", f"{name}: ca_certificate must be bytes, got {type_name(ca_certificate)}")
        raise error("ValueError", f"{name}: ca_certificate is not supported by the local interpreter")
    content, content_type = _encode_body(name, body, hdrs)
    if content_type:
        hdrs["Content-Type"] = content_type
    if auth is not None:
        creds = _auth_headers(rt, name, auth, url)
        if creds:
            hdrs = {k: v for k, v in hdrs.items() if k.lower() != "authorization"} | creds
    transport = rt.transport if rt.transport is not None else default_transport()
    resp = transport.send(HttpRequest(method, url, hdrs, content, seconds))
    out_headers = {canonical_header(k): v for k, v in resp.headers.items()}
    out_body = decode_body(resp)
    if resp.status >= 400:
        raise error("HttpError", f"HTTP server responded with error code {resp.status}",
                    code=resp.status, headers=out_headers, body=out_body)
    return {"body": out_body, "code": resp.status, "headers": out_headers}


def canonical_header(name: str) -> str:
    """Go's canonical MIME header form: "content-type" -> "Content-Type" (names with spaces are left alone)."""
    if not name or " " in name or ":" in name:
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def decode_body(resp: HttpResponse) -> Any:
    """The response body as the workflow sees it (see the module docstring)."""
    kind, charset = media_type(resp.headers)
    if not resp.body:
        return "" if kind.startswith("text/") else None
    if is_json_type(kind):
        try:
            return json.loads(_text(resp.body, charset))
        except ValueError:
            return _text(resp.body, charset)
    if kind.startswith("text/"):
        return _text(resp.body, charset)
    return resp.body


def _text(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:  # unknown charset name
        return data.decode("utf-8", errors="replace")


def _check_url(name: str, url: Any) -> str:
    if not isinstance(url, str):
        raise error("TypeError", f"{name}: url must be a string, got {type_name(url)}")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise error("ValueError", f"{name}: invalid URL {url!r}: {exc}") from exc
    if not parts.scheme or (parts.scheme in ("http", "https") and not host):
        raise error("ValueError", f"{name}: invalid URL {url!r}")
    return url


def _check_timeout(name: str, timeout: Any) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise error("TypeError", f"{name}: timeout must be a number, got {type_name(timeout)}")
    if timeout > MAX_TIMEOUT:
        raise error("ValueError", f"{name}: timeout must be at most {MAX_TIMEOUT:g} seconds, got {timeout}")
    if timeout <= 0:
        raise error("ValueError", f"{name}: timeout must be positive, got {timeout}")
    return float(timeout)


def _check_headers(name: str, headers: Any) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise error("TypeError", f"{name}: headers must be a map of strings, got {type_name(headers)}")
    for key, value in headers.items():
        if not isinstance(value, str):
            raise error("TypeError", f"{name}: header {key!r} must be a string, got {type_name(value)}")
    return dict(headers)


def _scalar(name: str, what: str, value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise error("TypeError", f"{name}: {what} values must be strings, numbers, booleans or lists of those, "
                             f"got {type_name(value)}")


def _form(name: str, what: str, values: dict[str, Any]) -> str:
    pairs = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, _scalar(name, what, item)))
    return urlencode(pairs)


def _with_query(url: str, query: Any, name: str) -> str:
    if query is None:
        return url
    if not isinstance(query, dict):
        raise error("TypeError", f"{name}: query must be a map, got {type_name(query)}")
    encoded = _form(name, "query", query)
    if not encoded:
        return url
    parts = urlsplit(url)
    joined = f"{parts.query}&{encoded}" if parts.query else encoded
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


def _json(name: str, value: Any) -> bytes:
    def reject(obj: Any) -> Any:
        raise error("ValueError", f"{name}: body contains a {type_name(obj)}, which cannot be JSON-encoded")

    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                          default=reject).encode("utf-8")
    except ValueError as exc:  # NaN/Infinity
        raise error("ValueError", f"{name}: body cannot be JSON-encoded: {exc}") from exc


def _encode_body(name: str, body: Any, headers: dict[str, str]) -> tuple[bytes | None, str | None]:
    """(encoded body, Content-Type to add or None)."""
    if body is None:
        return None, None
    if not any(k.lower() == "content-type" for k in headers):
        if isinstance(body, bytes):
            return body, "application/octet-stream"
        return _json(name, body), JSON_CONTENT_TYPE
    kind, charset = media_type(headers)
    if isinstance(body, bytes):
        return body, None
    if kind == "application/x-www-form-urlencoded" and isinstance(body, dict):
        return _form(name, "form body", body).encode("ascii"), None
    if isinstance(body, str) and not is_json_type(kind):
        try:
            return body.encode(charset or "utf-8"), None
        except (LookupError, UnicodeEncodeError) as exc:
            raise error("ValueError", f"{name}: cannot encode body as {charset!r}: {exc}") from exc
    return _json(name, body), None


_SCOPE_SPLIT = re.compile(r"[\s,]+")


def _auth_headers(rt: Runtime, name: str, auth: Any, url: str) -> dict[str, str]:
    if not isinstance(auth, dict):
        raise error("TypeError", f"{name}: auth must be a map, got {type_name(auth)}")
    kind = auth.get("type")
    if kind not in ("OIDC", "OAuth2"):
        raise error("ValueError", f'{name}: auth.type must be "OIDC" or "OAuth2", got {kind!r}')
    audience = auth.get("audience")
    if audience is not None and not isinstance(audience, str):
        raise error("TypeError", f"{name}: auth.audience must be a string")
    raw = auth.get("scopes", auth.get("scope"))
    if isinstance(raw, str):
        scopes: list[str] | None = [s for s in _SCOPE_SPLIT.split(raw) if s]
    elif raw is None or (isinstance(raw, list) and all(isinstance(s, str) for s in raw)):
        scopes = raw
    else:
        raise error("TypeError", f"{name}: auth.scopes must be a string or a list of strings")
    provider = rt.token_provider if rt.token_provider is not None else NoAuth()
    return auth_headers(provider, kind, url, audience, scopes)
