"""The SSRF guard: which callback URLs may be called, and the addresses a delivery will connect to."""

from __future__ import annotations

import re

import pytest

from bookgen.notifier.targets import UnsafeTarget, check_callback_url, resolve_host, without_query
from tests.notifier.conftest import fake_dns

DNS = fake_dns({
    "example.com": ["93.184.216.34"],
    "dual.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "internal.example.test": ["10.0.0.5"],
    "mixed.example.test": ["93.184.216.34", "192.168.0.10"],
    "rebind.example.test": ["93.184.216.34", "::ffff:169.254.169.254"],
    "v6local.example.test": ["fd12:3456::1"],
    "loop.example.test": ["127.0.0.1"],
})

REFUSED = [
    ("http://example.com/hook", "must use https"),
    ("ftp://example.com/hook", "must use https"),
    ("example.com/hook", "must use https"),
    ("https://127.0.0.1/hook", "loopback"),
    ("https://127.1.2.3:8443/hook", "loopback"),
    ("https://[::1]/hook", "loopback"),
    ("https://10.1.2.3/", "private"),
    ("https://172.16.0.1/", "private"),
    ("https://172.31.255.254/", "private"),
    ("https://192.168.1.1/", "private"),
    ("https://[fc00::1]/", "private"),
    ("https://169.254.169.254/latest/meta-data/", "metadata server"),
    ("https://169.254.10.10/", "link-local"),
    ("https://[fd00:ec2::254]/", "metadata server"),
    ("https://metadata.google.internal/computeMetadata/v1/", "metadata server"),
    ("https://METADATA.Google.Internal./computeMetadata/v1/", "metadata server"),
    ("https://metadata/computeMetadata/v1/", "metadata server"),
    ("https://[::ffff:127.0.0.1]/", "embeds 127.0.0.1: loopback"),
    ("https://[::ffff:169.254.169.254]/", "metadata server"),
    ("https://[64:ff9b::a00:1]/", "embeds 10.0.0.1: private"),  # NAT64 of 10.0.0.1
    ("https://[2002:c0a8:101::1]/", "embeds 192.168.1.1: private"),  # 6to4 of 192.168.1.1
    ("https://[fe80::1]/", "link-local"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://[::]/", "unspecified"),
    ("https://100.64.0.1/", "shared address space"),
    ("https://224.0.0.1/", "multicast"),
    ("https://[ff02::1]/", "multicast"),
    ("https://240.0.0.1/", "reserved"),
    ("https://192.0.2.1/", "private"),  # documentation range: not routable
    ("https://internal.example.test/hook", "internal.example.test resolves to 10.0.0.5"),
    ("https://mixed.example.test/hook", "resolves to 192.168.0.10"),
    ("https://rebind.example.test/hook", "metadata server"),
    ("https://v6local.example.test/hook", "private"),
    ("https://nowhere.example.test/hook", "cannot resolve nowhere.example.test"),
    ("https://user:secret@example.com/hook", "user name or password"),
    ("https://user@example.com/hook", "user name or password"),
    ("https:///hook", "no host"),
    ("https://example.com:99999/hook", "invalid port"),
    ("https://example.com/ho ok", "whitespace"),
    ("", "non-empty"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=re.escape(reason)):
        check_callback_url(url, resolve=DNS)


def test_public_ip_literal_needs_no_dns() -> None:
    resolve = fake_dns({})
    target = check_callback_url("https://93.184.216.34/hook?token=abc", resolve=resolve)
    assert (target.scheme, target.host, target.port, target.addresses) == ("https", "93.184.216.34", 443,
                                                                           ["93.184.216.34"])
    assert target.path == "/hook?token=abc" and target.host_header == "93.184.216.34"
    assert resolve.calls == []  # type: ignore[attr-defined]


def test_public_ipv6_literal_with_port() -> None:
    target = check_callback_url("https://[2606:4700:4700::1111]:8443/h", resolve=DNS)
    assert target.host == "2606:4700:4700::1111" and target.port == 8443
    assert target.addresses == ["2606:4700:4700::1111"]
    assert target.host_header == "[2606:4700:4700::1111]:8443"


def test_public_name_resolves_to_every_address() -> None:
    target = check_callback_url("https://Dual.Example.COM/notify", resolve=DNS)
    assert target.host == "dual.example.com" and target.path == "/notify"
    assert target.addresses == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]


@pytest.mark.parametrize("url", ["https://[::ffff:8.8.8.8]/", "https://[2002:808:808::1]/",
                                 "https://[64:ff9b::808:808]/"])
def test_embedded_public_ipv4_is_public(url: str) -> None:
    assert check_callback_url(url, resolve=DNS).addresses


def test_allow_http() -> None:
    target = check_callback_url("http://example.com:8080/hook", allow_http=True, resolve=DNS)
    assert (target.scheme, target.port, target.host_header) == ("http", 8080, "example.com:8080")
    with pytest.raises(UnsafeTarget, match="https or http"):
        check_callback_url("ftp://example.com/", allow_http=True, resolve=DNS)
    with pytest.raises(UnsafeTarget, match="loopback"):  # allow_http does not allow private addresses
        check_callback_url("http://127.0.0.1/", allow_http=True, resolve=DNS)


def test_allow_private_skips_only_the_address_rule() -> None:
    for url in ("https://127.0.0.1/", "https://[::1]/", "https://loop.example.test/", "https://10.0.0.1/"):
        assert check_callback_url(url, allow_private=True, resolve=DNS).addresses
    for url, reason in [("http://127.0.0.1/", "must use https"), ("https://u:p@127.0.0.1/", "user name"),
                        ("https://metadata.google.internal/", "metadata"), ("https://169.254.169.254/", "metadata"),
                        ("https://rebind.example.test/", "metadata"), ("https://nowhere.example.test/", "resolve")]:
        with pytest.raises(UnsafeTarget, match=reason):
            check_callback_url(url, allow_private=True, resolve=DNS)


def test_default_resolver_on_a_numeric_host() -> None:
    assert resolve_host("127.0.0.1", 80) == ["127.0.0.1"]  # getaddrinfo on a literal: no DNS involved


def test_without_query_drops_secrets_of_the_receiver() -> None:
    assert without_query("https://u:p@example.com:8443/hook?token=abc#x") == "https://example.com:8443/hook"
