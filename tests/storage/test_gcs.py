"""What GcsStorage adds to the Storage contract (which test_local_storage.py runs on it): bucket routing, the
412 mapping of create-only writes, errors that are not swallowed, a lazy client, and v4 signed URLs checked
against the signing key (a throwaway RSA service-account key made here)."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bookgen.errors import ConfigError, NotFound
from bookgen.storage.gcs import GcsStorage

SA_EMAIL = "signer@test-project.iam.gserviceaccount.com"


@pytest.fixture
def buckets(gcs_emulator: Any) -> tuple[str, str]:
    return gcs_emulator.new_buckets()


@pytest.fixture
def gcs(buckets: tuple[str, str]) -> GcsStorage:
    return GcsStorage(*buckets)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sa_credentials(key: rsa.RSAPrivateKey) -> Any:
    from google.oauth2 import service_account

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return service_account.Credentials.from_service_account_info({
        "type": "service_account", "client_email": SA_EMAIL, "private_key": pem, "private_key_id": "k1",
        "token_uri": "https://oauth2.googleapis.com/token", "project_id": "test-project"})


def names_in(gcs_emulator: Any, bucket: str) -> list[str]:
    return sorted(b.name for b in gcs_emulator.client.list_blobs(bucket))


def test_keys_are_routed_to_the_raw_and_processed_buckets(gcs: GcsStorage, gcs_emulator: Any) -> None:
    gcs.write("raw/books/b/request.json", b"{}", "application/json")
    gcs.write("executions/e-1.json", b"{}")
    gcs.write("processed/books/b/book.md", b"# b", "text/markdown")
    assert names_in(gcs_emulator, gcs.raw_bucket) == ["executions/e-1.json", "raw/books/b/request.json"]
    assert names_in(gcs_emulator, gcs.processed_bucket) == ["processed/books/b/book.md"]
    assert gcs.uri("processed/books/b/book.md") == f"gs://{gcs.processed_bucket}/processed/books/b/book.md"
    assert gcs.uri("raw/books/b/request.json") == f"gs://{gcs.raw_bucket}/raw/books/b/request.json"
    blob = gcs_emulator.client.bucket(gcs.processed_bucket).get_blob("processed/books/b/book.md")
    assert blob.content_type == "text/markdown"
    assert gcs.list("processed") == ["processed/books/b/book.md"]
    assert gcs.list("e") == ["executions/e-1.json"]


def test_one_bucket_for_both_is_listed_once(gcs_emulator: Any, buckets: tuple[str, str]) -> None:
    one = GcsStorage(buckets[0], buckets[0])
    one.write("raw/a", b"1")
    one.write("processed/b", b"2")
    assert one.list("") == ["processed/b", "raw/a"]


def test_objects_that_are_not_keys_are_not_listed(gcs: GcsStorage, gcs_emulator: Any) -> None:
    bucket = gcs_emulator.client.bucket(gcs.raw_bucket)
    bucket.blob("raw/with space").upload_from_string(b"x")
    bucket.blob("processed/misplaced").upload_from_string(b"x")  # processed/ keys live in the other bucket
    gcs.write("raw/ok", b"x")
    assert gcs.list("") == ["raw/ok"]


def test_create_only_maps_412_to_false_and_keeps_the_object(gcs: GcsStorage, gcs_emulator: Any) -> None:
    from google.api_core import exceptions

    assert gcs.write("raw/cache/llm/k.json", b"first", if_absent=True) is True
    blob = gcs_emulator.client.bucket(gcs.raw_bucket).blob("raw/cache/llm/k.json")
    with pytest.raises(exceptions.PreconditionFailed):  # what the adapter turns into False
        blob.upload_from_string(b"second", if_generation_match=0)
    generation = gcs_emulator.client.bucket(gcs.raw_bucket).get_blob("raw/cache/llm/k.json").generation
    assert gcs.write("raw/cache/llm/k.json", b"second", if_absent=True) is False
    after = gcs_emulator.client.bucket(gcs.raw_bucket).get_blob("raw/cache/llm/k.json")
    assert (after.generation, gcs.read("raw/cache/llm/k.json")) == (generation, b"first")


def test_other_errors_are_raised_not_swallowed(gcs_emulator: Any) -> None:
    from google.api_core import exceptions

    missing = GcsStorage("no-such-bucket-raw", "no-such-bucket-processed")
    with pytest.raises(exceptions.NotFound):
        missing.write("raw/x", b"1", if_absent=True)
    with pytest.raises(NotFound) as info:
        missing.read("raw/x")
    assert isinstance(info.value.__cause__, exceptions.NotFound)
    assert "gs://no-such-bucket-raw/raw/x" in str(info.value)


def test_bucket_names_are_checked() -> None:
    for bad in ("", "gs://bucket", "a/b"):
        with pytest.raises(ConfigError):
            GcsStorage(bad, "processed")


def test_the_client_is_created_once_lazily(buckets: tuple[str, str]) -> None:
    gcs = GcsStorage(*buckets)
    assert gcs._client is None
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(gcs.client)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(seen) == 8 and all(c is seen[0] for c in seen)
    gcs.write("raw/x", b"1")
    assert gcs.client is seen[0]


def test_importing_the_adapters_does_not_import_google_cloud() -> None:
    # a .pth file of a namespace package pre-registers the bare 'google' and 'google.cloud' at start-up
    code = ("import sys\nbefore = set(sys.modules)\n"
            "import bookgen.storage.gcs, bookgen.events.pubsub, bookgen.events.worker, bookgen.cli.worker\n"
            "print(sorted(m for m in set(sys.modules) - before if m.startswith(('google', 'grpc'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def verify_v4(url: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Check a v4 signed URL the way Cloud Storage does (canonical request → string to sign → RSA-SHA256),
    written from the documented algorithm, not from the library. Returns the query parameters."""
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    signature = bytes.fromhex(query.pop("X-Goog-Signature"))
    quote = lambda s: urllib.parse.quote(s, safe="-_.~")  # noqa: E731
    canonical_query = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(query.items()))
    assert query["X-Goog-SignedHeaders"] == "host"
    canonical_request = "\n".join(["GET", parts.path, canonical_query, f"host:{parts.netloc}\n", "host",
                                   "UNSIGNED-PAYLOAD"])
    scope = query["X-Goog-Credential"].split("/", 1)[1]
    string_to_sign = "\n".join(["GOOG4-RSA-SHA256", query["X-Goog-Date"], scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key.public_key().verify(signature, string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    return query


def test_signed_url_is_v4_signed_by_the_service_account_key(gcs: GcsStorage, gcs_emulator: Any,
                                                            rsa_key: rsa.RSAPrivateKey) -> None:
    from google.cloud import storage

    gcs.write("processed/books/b/book.epub", b"EPUB bytes")
    signer = GcsStorage(gcs.raw_bucket, gcs.processed_bucket,
                        client=storage.Client(project="test-project", credentials=sa_credentials(rsa_key)))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    url = signer.signed_url("processed/books/b/book.epub", minutes=30)
    query = verify_v4(url, rsa_key)
    assert urllib.parse.urlsplit(url).path == f"/{gcs.processed_bucket}/processed/books/b/book.epub"
    assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert query["X-Goog-Expires"] == "1800"
    assert query["X-Goog-Credential"].startswith(f"{SA_EMAIL}/") and query["X-Goog-Credential"].endswith(
        "/auto/storage/goog4_request")
    signed_at = dt.datetime.strptime(query["X-Goog-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert before <= signed_at <= dt.datetime.now(dt.UTC)
    with pytest.raises(InvalidSignature):
        verify_v4(url, rsa.generate_private_key(public_exponent=65537, key_size=2048))  # another key fails
    # fake-gcs-server does not check signatures, but it serves the object at the signed path
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"EPUB bytes"


@pytest.mark.parametrize("minutes", [0, -5, 7 * 24 * 60 + 1, 1.5])
def test_signed_url_lifetime_is_bounded(gcs: GcsStorage, minutes: Any) -> None:
    with pytest.raises(ValueError, match="minutes"):
        gcs.signed_url("processed/x", minutes)


def test_signed_url_needs_signing_credentials(gcs: GcsStorage) -> None:
    with pytest.raises(ConfigError, match="service-account"):
        gcs.signed_url("processed/x", 5)  # the emulator's anonymous credentials cannot sign


class MetadataServerCredentials:
    """Shaped like Cloud Run's compute-engine credentials: a token and an email, no private key."""

    def __init__(self) -> None:
        from google.auth.credentials import AnonymousCredentials

        self.service_account_email, self.token, self.refreshed = "default", None, 0
        self.universe_domain = AnonymousCredentials().universe_domain

    @property
    def valid(self) -> bool:
        return self.token is not None

    def refresh(self, request: Any) -> None:
        self.refreshed += 1
        self.service_account_email, self.token = SA_EMAIL, "ya29.test-token"


def test_without_a_key_signing_goes_through_iam_sign_blob(gcs: GcsStorage, rsa_key: rsa.RSAPrivateKey,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    from google.cloud.storage import _signing

    calls: list[tuple[str, str, str]] = []

    def sign_blob(message: Any, access_token: str, service_account_email: str, *args: Any) -> str:
        # stands in for POST iamcredentials.googleapis.com/...:signBlob, signing as the service account would
        data = message.encode() if isinstance(message, str) else message
        calls.append((data.decode(), access_token, service_account_email))
        return base64.b64encode(rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()

    monkeypatch.setattr(_signing, "_sign_message", sign_blob)
    credentials = MetadataServerCredentials()
    monkeypatch.setattr(gcs.client, "_credentials", credentials)
    url = gcs.signed_url("processed/books/b/book.pdf", minutes=5)
    assert credentials.refreshed == 1
    assert [(token, email) for _, token, email in calls] == [("ya29.test-token", SA_EMAIL)]
    query = verify_v4(url, rsa_key)
    assert query["X-Goog-Expires"] == "300" and query["X-Goog-Credential"].startswith(f"{SA_EMAIL}/")
