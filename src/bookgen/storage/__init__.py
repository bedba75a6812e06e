"""The storage port: objects by key, laid out as DESIGN §5 (raw/..., processed/..., executions/...).

Adapters: `local.py` (a directory), later `gcs.py`. Keys are '/'-separated, relative, validated by the adapter.
"""

from __future__ import annotations

import json
from typing import Any, Protocol


class Storage(Protocol):
    def read(self, key: str) -> bytes:
        """The object's bytes; raises bookgen.errors.NotFound."""

    def write(self, key: str, data: bytes, content_type: str = "application/octet-stream",
              if_absent: bool = False) -> bool:
        """Write atomically (readers see the old object or the new one, never a part). With `if_absent`, only
        create: return False and change nothing when the object exists. Returns True when written."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str, *, start_offset: str | None = None, end_offset: str | None = None,
             max_results: int | None = None) -> list[str]:
        """Keys under `prefix`, sorted; only those >= `start_offset` and < `end_offset` (as in GCS), at most
        `max_results` of them (the first ones). A bounded listing costs what it returns, not the prefix's size."""

    def delete(self, key: str) -> None:
        """Remove the object if it exists."""

    def uri(self, key: str) -> str:
        """Where the object lives, for people and manifests: file:///... or gs://bucket/key."""


def read_json(storage: Storage, key: str) -> Any:
    return json.loads(storage.read(key))


def write_json(storage: Storage, key: str, value: Any, if_absent: bool = False) -> bool:
    data = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    return storage.write(key, data, "application/json", if_absent=if_absent)
