"""API keys: who may call the API, with what limits, and the secret their webhooks are signed with.

The keys live in one JSON document — the setting `BOOKGEN_API_KEYS` (on Cloud Run, a Secret Manager secret
exposed as that variable) or the file `BOOKGEN_API_KEYS_FILE`:

    {"keys": [{"name": "acme", "sha256": "<hex of SHA-256 of the key>", "requests_per_minute": 60,
               "books_per_day": 20, "webhook_secret": "whsec_..."}]}

Only the SHA-256 of a key is stored. Keys are 32 random bytes, so a fast hash is enough (there is nothing to
brute-force); a slow password hash would only slow every request down. The webhook secret is stored as it is:
it is a signing key, needed in the clear to sign. `name` is the caller's identity: books belong to a name, so a
key can be rotated (new hash, same name) without losing access to the books.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bookgen.errors import ConfigError

KEY_PREFIX = "bk_"
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class ApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="The caller's identity: lowercase letters, digits, '-'.")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    requests_per_minute: int | None = Field(None, ge=1)
    books_per_day: int | None = Field(None, ge=0)
    webhook_secret: str | None = Field(None, min_length=16)


class KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[ApiKey] = Field(default_factory=list)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class KeyRing:
    """The configured keys, looked up by the hash of a presented key or by name."""

    def __init__(self, keys: list[ApiKey]):
        self._by_hash: dict[str, ApiKey] = {}
        self._by_name: dict[str, ApiKey] = {}
        for key in keys:
            if key.sha256 in self._by_hash:
                raise ConfigError(f"API keys: two entries have the same sha256 ({key.name!r})")
            if key.name in self._by_name:
                raise ConfigError(f"API keys: the name {key.name!r} is used twice")
            self._by_hash[key.sha256], self._by_name[key.name] = key, key

    def __len__(self) -> int:
        return len(self._by_name)

    def authenticate(self, presented: str) -> ApiKey | None:
        return self._by_hash.get(hash_key(presented))

    def get(self, name: str) -> ApiKey | None:
        return self._by_name.get(name)


def parse_keys(text: str, source: str) -> KeyRing:
    try:
        data: Any = json.loads(text)
    except ValueError as e:
        raise ConfigError(f"API keys in {source} are not valid JSON: {e}") from None
    if isinstance(data, list):
        data = {"keys": data}
    try:
        return KeyRing(KeyFile.model_validate(data).keys)
    except ValidationError as e:
        where = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise ConfigError(f"API keys in {source}: {where}") from None


def keys_file(settings: Any) -> Path:
    return Path(settings.api_keys_file or Path(settings.data_dir) / "api-keys.json")


def load_keyring(settings: Any) -> KeyRing:
    """The keys of `BOOKGEN_API_KEYS`, else of the keys file (an empty ring when the file does not exist)."""
    if settings.api_keys is not None:
        return parse_keys(settings.api_keys.get_secret_value(), "BOOKGEN_API_KEYS")
    path = keys_file(settings)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeyRing([])
    except OSError as e:
        raise ConfigError(f"cannot read the API keys file {path}: {e.strerror}") from None
    return parse_keys(text, str(path))


def add_key(path: Path, name: str, requests_per_minute: int | None = None,
            books_per_day: int | None = None) -> tuple[str, ApiKey]:
    """Create a key named `name` in the keys file `path` (created 0600 when missing); returns the key in the
    clear (shown once, never stored) and its entry. Replaces the entry of the same name (rotation)."""
    existing: list[ApiKey] = []
    if path.exists():
        existing = list(parse_keys(path.read_text(encoding="utf-8"), str(path))._by_name.values())
    key = new_key()
    previous = next((k for k in existing if k.name == name), None)
    try:
        entry = ApiKey(name=name, sha256=hash_key(key), requests_per_minute=requests_per_minute,
                       books_per_day=books_per_day,
                       webhook_secret=previous.webhook_secret if previous else new_webhook_secret())
    except ValidationError as e:
        raise ConfigError(f"API key: {e.errors()[0]['loc'][0]}: {e.errors()[0]['msg']}") from None
    keys = [k for k in existing if k.name != name] + [entry]
    text = KeyFile(keys=keys).model_dump_json(indent=1, exclude_none=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return key, entry
