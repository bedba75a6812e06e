"""The SSRF guard: a callback URL is called only when it is https and every address its host resolves to is
public.

A callback URL comes from whoever requested the book, and the notifier runs inside our network (on Cloud Run
next to the metadata server, which hands out the service account's tokens). Without this guard a request
could make us POST to `http://169.254.169.254/...`, to an internal service, or to localhost. So:

- the scheme is https (http only with `allow_http`, for development); no `user:password@` (it would be sent
  to the receiver and hides the real host from a quick look at the URL); a host is required;
- the host is resolved (an IP literal, IPv6 in brackets too, is taken as it is) and *every* address must be
  public: a name with one public and one private address is refused, because the connection could go to
  either. Refused: loopback, private (RFC 1918, fc00::/7), link-local, CGNAT (100.64/10), unspecified,
  multicast, reserved and other non-global ranges; IPv6 forms that embed an IPv4 address (IPv4-mapped
  ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address inside them;
- the cloud metadata server (169.254.169.254, fd00:ec2::254, `metadata.google.internal`, `metadata`) is
  refused always, even with `allow_private`: no development setup needs to post books to it.

`allow_private` turns off only the public-address rule (local tests and development, where receivers listen
on 127.0.0.1). The check is made when the API accepts a callback URL and again before every delivery
attempt; the delivery then connects to the checked address itself (`delivery.py`), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata"})
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
DEFAULT_PORTS = {"https": 443, "http": 80}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(ValueError):
    """The callback URL may not be called; the message says why (it is shown to the API caller)."""


@dataclass(frozen=True)
class Target:
    """A checked callback URL: where to connect (`addresses`, all public) and what to ask for."""

    url: str
    scheme: str
    host: str  # lower case, ASCII (IDNA), IPv6 without brackets
    port: int
    addresses: list[str] = field(default_factory=list)
    path: str = "/"  # path and query string, as sent in the request line

    @property
    def host_header(self) -> str:
        """The Host header of the original URL: `host`, with `:port` when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (getaddrinfo, TCP), in order, without repeats; OSError if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_callback_url(url: str, *, allow_http: bool = False, allow_private: bool = False,
                       resolve: Resolver = resolve_host) -> Target:
    """The checked target of `url`, or UnsafeTarget with the reason (see the module docstring)."""
    scheme, host, port, path = _parse(url, allow_http)
    if host.rstrip(".") in METADATA_HOSTS:
        raise UnsafeTarget(f"{host} is the cloud metadata server")
    addresses = _addresses(host, port, resolve)
    for address in addresses:
        if address in METADATA_ADDRESSES or _embedded(address) in METADATA_ADDRESSES:
            raise UnsafeTarget(f"{host} resolves to {address}, the cloud metadata server")
        problem = None if allow_private else address_problem(address)
        if problem:
            shown = host if host == str(address) else f"{host} resolves to {address}, which"
            raise UnsafeTarget(f"{shown} is not a public address ({problem})")
    return Target(url=url, scheme=scheme, host=host, port=port, addresses=[str(a) for a in addresses],
                  path=path)


def _parse(url: str, allow_http: bool) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url:
        raise UnsafeTarget("the callback URL must be a non-empty string")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"the callback URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UnsafeTarget("the callback URL contains whitespace or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_http else ("https",)
    if scheme not in allowed:
        raise UnsafeTarget(f"the callback URL must use {' or '.join(allowed)}, not {scheme or 'no scheme'!r}")
    if "@" in parts.netloc:
        raise UnsafeTarget("the callback URL must not contain a user name or password")
    host = parts.hostname or ""
    if not host:
        raise UnsafeTarget("the callback URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as e:
        raise UnsafeTarget(f"the callback URL has an invalid port: {e}") from e
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise UnsafeTarget(f"the callback URL has an invalid host name: {e}") from e
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host.lower(), port, path


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
    except (OSError, UnicodeError, ValueError) as e:
        raise UnsafeTarget(f"cannot resolve {host}: {e}") from e
    if not found:
        raise UnsafeTarget(f"cannot resolve {host}: no addresses")
    return found


def _embedded(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address carries; None for others."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_problem(address: IPAddress) -> str | None:
    """Why `address` is not a public destination (a short label), or None when it is."""
    inner = _embedded(address)
    if inner is not None:
        problem = address_problem(inner)
        return f"embeds {inner}: {problem}" if problem else None
    checks = [("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("shared address space 100.64/10", address in _CGNAT),
              ("site-local", getattr(address, "is_site_local", False)),
              ("reserved", address.is_reserved), ("private", address.is_private),
              ("not globally routable", not address.is_global)]
    return next((label for label, hit in checks if hit), None)


def without_query(url: str) -> str:
    """`url` without its query string and fragment, for logs and records: callback URLs often carry a token
    in the query, which is the receiver's secret, not ours to keep."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    netloc = parts.netloc.rsplit("@", 1)[-1]  # never keep a password either
    return parts._replace(netloc=netloc, query="", fragment="").geturl()
