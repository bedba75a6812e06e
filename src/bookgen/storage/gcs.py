"""`GcsStorage`: the object layout of DESIGN §5 in two Cloud Storage buckets.

Keys under `processed/` live in the processed bucket, every other key (`raw/...`, `executions/...`) in the raw
bucket; the object name is the key itself, so `gs://<bucket>/<key>` is what a person finds in the console.
Keys are validated exactly like `LocalStorage` does (`validate_key`), before any request is made.

- Writes are single uploads: GCS makes an object visible only when it is complete, so readers see the old
  generation or the new one, never a part. Create-only writes send `ifGenerationMatch=0`; GCS answers 412 when
  the object exists, which becomes `False` (exactly one concurrent creator wins).
- Retries belong to the client library (its default, conditional retry policy: uploads are retried only when a
  generation precondition makes them idempotent). There is no second retry layer here.
- The client is created once, lazily, on first use (so constructing the adapter costs nothing and `import
  bookgen` never imports google.cloud). Pass `client=` to use your own (tests, custom credentials).
- `signed_url` signs v4 URLs with the client's credentials: a service-account key signs locally; credentials
  without a private key (Cloud Run, Cloud Functions) sign through the IAM `signBlob` API with their access
  token (the runtime service account then needs `roles/iam.serviceAccountTokenCreator` on itself).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from bookgen.errors import ConfigError, NotFound
from bookgen.storage.local import _validate_prefix, validate_key

PROCESSED_PREFIX = "processed/"
MAX_SIGNED_URL_MINUTES = 7 * 24 * 60  # the v4 limit: 7 days


class GcsStorage:
    """Objects in Cloud Storage: `processed/...` in `processed_bucket`, everything else in `raw_bucket`."""

    def __init__(self, raw_bucket: str, processed_bucket: str, client: Any = None):
        for name, value in (("raw_bucket", raw_bucket), ("processed_bucket", processed_bucket)):
            if not isinstance(value, str) or not value or "/" in value:
                raise ConfigError(f"{name} must be a bucket name (no gs://, no '/'), got {value!r}")
        self.raw_bucket, self.processed_bucket = raw_bucket, processed_bucket
        self._client = client
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GcsStorage(raw={self.raw_bucket!r}, processed={self.processed_bucket!r})"

    @property
    def client(self) -> Any:
        """The `google.cloud.storage.Client`, created on first use (Application Default Credentials, or the
        anonymous emulator client when STORAGE_EMULATOR_HOST is set)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from google.cloud import storage

                    self._client = storage.Client()
        return self._client

    def bucket_for(self, key: str) -> str:
        """The bucket that holds `key` (validated)."""
        return self._route(validate_key(key))

    def _route(self, name: str) -> str:
        return self.processed_bucket if name.startswith(PROCESSED_PREFIX) else self.raw_bucket

    def _blob(self, key: str) -> Any:
        return self.client.bucket(self.bucket_for(key)).blob(key)

    def uri(self, key: str) -> str:
        return f"gs://{self.bucket_for(key)}/{key}"

    def exists(self, key: str) -> bool:
        return bool(self._blob(key).exists())

    def read(self, key: str) -> bytes:
        from google.api_core import exceptions

        blob = self._blob(key)
        try:
            return bytes(blob.download_as_bytes())
        except exceptions.NotFound as e:
            raise NotFound(f"no object at {key!r} ({self.uri(key)})") from e

    def write(self, key: str, data: bytes, content_type: str = "application/octet-stream",
              if_absent: bool = False) -> bool:
        """Upload `data` as one object; with `if_absent`, create only (False, nothing changed, if it exists).

        A create-only upload is retried by the library (the precondition makes it safe); if a first attempt
        succeeded but its answer was lost, the retry meets 412 and this returns False for our own object."""
        from google.api_core import exceptions

        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data for {key!r} must be bytes, not {type(data).__name__}")
        blob = self._blob(key)
        try:
            blob.upload_from_string(bytes(data), content_type=content_type,
                                    if_generation_match=0 if if_absent else None)
        except exceptions.PreconditionFailed:
            if if_absent:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        """Remove the object if it exists."""
        from google.api_core import exceptions

        try:
            self._blob(key).delete()
        except exceptions.NotFound:
            pass

    def list(self, prefix: str = "", *, start_offset: str | None = None, end_offset: str | None = None,
             max_results: int | None = None) -> list[str]:
        """Keys starting with `prefix` (a plain string prefix) in the bucket(s) that may hold them, sorted, within
        [`start_offset`, `end_offset`) (GCS's own offsets), at most `max_results`: pages are fetched lazily and
        no further page is asked for once each bucket gave enough keys."""
        _validate_prefix(prefix)
        buckets = []
        if not prefix.startswith(PROCESSED_PREFIX):
            buckets.append(self.raw_bucket)
        if PROCESSED_PREFIX.startswith(prefix) or prefix.startswith(PROCESSED_PREFIX):
            buckets.append(self.processed_bucket)
        keys: set[str] = set()
        for bucket in dict.fromkeys(buckets):  # the two may be one bucket
            found = 0
            for blob in self.client.list_blobs(bucket, prefix=prefix or None, start_offset=start_offset,
                                               end_offset=end_offset):
                if self._route(blob.name) == bucket and _is_key(blob.name):
                    keys.add(blob.name)  # objects this adapter could not have written are not keys
                    found += 1
                    if max_results is not None and found >= max_results:
                        break
        ordered = sorted(keys)
        return ordered if max_results is None else ordered[:max_results]

    def signed_url(self, key: str, minutes: int = 15, method: str = "GET") -> str:
        """A v4 signed URL for `key`, valid for `minutes` (1 minute to 7 days)."""
        if not isinstance(minutes, int) or not 1 <= minutes <= MAX_SIGNED_URL_MINUTES:
            raise ValueError(f"minutes must be an integer from 1 to {MAX_SIGNED_URL_MINUTES}, "
                             f"got {minutes!r}")
        blob = self._blob(key)
        kwargs: dict[str, Any] = {}
        credentials = self.client._credentials
        if not _can_sign(credentials):
            kwargs = _iam_signing(credentials)
        return str(blob.generate_signed_url(version="v4", expiration=dt.timedelta(minutes=minutes),
                                            method=method, **kwargs))


def _is_key(name: str) -> bool:
    try:
        validate_key(name)
    except ValueError:
        return False
    return True


def _can_sign(credentials: Any) -> bool:
    """Whether `credentials` hold a private key (a service-account key file, impersonation with a signer)."""
    from google.auth import credentials as auth_credentials

    signs = isinstance(credentials, auth_credentials.Signing)
    return signs and getattr(credentials, "signer", None) is not None


def _iam_signing(credentials: Any) -> dict[str, str]:
    """Arguments that make the library sign through IAM `signBlob` instead of a local key."""
    from google.auth import exceptions as auth_exceptions
    from google.auth.transport.requests import Request

    try:
        if not credentials.valid:
            credentials.refresh(Request())  # also learns the email of a metadata-server account
    except auth_exceptions.GoogleAuthError as e:
        raise ConfigError(f"could not get an access token to sign URLs: {e}") from e
    email = getattr(credentials, "service_account_email", None)
    if not email or email == "default" or not credentials.token:
        raise ConfigError("signed URLs need service-account credentials: a key file "
                          "(GOOGLE_APPLICATION_CREDENTIALS) or a runtime service account allowed to call "
                          "IAM signBlob")
    return {"service_account_email": email, "access_token": credentials.token}
