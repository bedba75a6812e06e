"""`LocalStorage`: the bucket's object layout (DESIGN §5) in a directory.

Keys are validated before they touch a path: relative, '/'-separated, `[A-Za-z0-9._-]` segments, no empty, `.`
or `..` segments. Writes are atomic: the bytes go to a temporary file in the destination directory, are
fsynced, then take the final name with `os.replace` (overwrite) or `os.link` (create-only: the kernel refuses
an existing name, so exactly one writer wins across threads and processes). Temporary names contain `~`, which
no key may contain, so they can never collide with an object nor show up in `list()`.

`content_type` is accepted for parity with the bucket and not stored: locally the extension says enough.
"""

from __future__ import annotations

import errno
import os
import re
import uuid
from pathlib import Path

from bookgen.errors import NotFound

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_TMP_MARK = "~"
MAX_KEY_LENGTH = 1024  # GCS's limit for object names, in bytes (keys here are ASCII)


def validate_key(key: str) -> str:
    """Return `key` unchanged when it is a safe object key; otherwise raise ValueError naming it."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"invalid storage key {key!r}: empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"invalid storage key {key[:60]!r}...: longer than {MAX_KEY_LENGTH} characters")
    if key.startswith("/"):
        raise ValueError(f"invalid storage key {key!r}: must be relative")
    if "\\" in key:
        raise ValueError(f"invalid storage key {key!r}: backslashes are not allowed")
    for segment in key.split("/"):
        if not segment:
            raise ValueError(f"invalid storage key {key!r}: empty path segment")
        if segment in (".", ".."):
            raise ValueError(f"invalid storage key {key!r}: '.' and '..' segments are not allowed")
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"invalid storage key {key!r}: only A-Z a-z 0-9 . _ - and / are allowed")
    return key


def _validate_prefix(prefix: str) -> str:
    """A list prefix: empty, or a key, or a key followed by '/', or any leading part of a key."""
    if prefix == "":
        return prefix
    validate_key(prefix.rstrip("/") if prefix.endswith("/") else prefix + "x")
    if prefix.endswith("//"):
        raise ValueError(f"invalid storage prefix {prefix!r}: empty path segment")
    return prefix


def fsync_dir(path: Path) -> None:
    """Make a rename/link/creation in `path` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _may_hold(directory: str, prefix: str) -> bool:
    """Whether keys under `directory` ('a/b/') can start with `prefix`."""
    return directory.startswith(prefix) or prefix.startswith(directory)


class LocalStorage:
    """Objects as files under `root`; the same keys as the bucket (raw/..., processed/..., executions/...)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(os.path.abspath(os.fspath(root)))

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file that holds `key` (for local consumers: renderers, `bookgen` output)."""
        return self.root.joinpath(*validate_key(key).split("/"))

    def uri(self, key: str) -> str:
        return self.path(key).as_uri()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as e:
            raise NotFound(f"no object at {key!r} ({self.uri(key)})") from e

    def write(self, key: str, data: bytes, content_type: str = "application/octet-stream",
              if_absent: bool = False) -> bool:
        """Write atomically; with `if_absent`, create only (False, nothing changed, when the key exists)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data for {key!r} must be bytes, not {type(data).__name__}")
        final = self.path(key)
        if if_absent and final.is_file():
            return False  # fast path; the link below is what decides a race
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as e:
            raise ValueError(f"storage key {key!r} lies under an existing object") from e
        tmp = final.with_name(f"{final.name}{_TMP_MARK}{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            written = self._link(tmp, final, key) if if_absent else self._replace(tmp, final, key)
        finally:
            tmp.unlink(missing_ok=True)
        if written:
            fsync_dir(final.parent)
        return written

    @staticmethod
    def _replace(tmp: Path, final: Path, key: str) -> bool:
        try:
            os.replace(tmp, final)
        except IsADirectoryError as e:
            raise ValueError(f"storage key {key!r} is a prefix of existing objects") from e
        return True

    @staticmethod
    def _link(tmp: Path, final: Path, key: str) -> bool:
        try:
            os.link(tmp, final)
        except FileExistsError:
            if final.is_dir():
                raise ValueError(f"storage key {key!r} is a prefix of existing objects") from None
            return False
        except OSError as e:
            if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise OSError(e.errno, f"create-only writes need hard links, which {final.parent} does not "
                                       f"support") from e
            raise
        return True

    def delete(self, key: str) -> None:
        """Remove the object if it exists. Empty directories are left alone (a concurrent write may need them)."""
        try:
            self.path(key).unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            pass

    def list(self, prefix: str = "", *, start_offset: str | None = None, end_offset: str | None = None,
             max_results: int | None = None) -> list[str]:
        """Keys that start with `prefix` (a plain string prefix, as in GCS), sorted, within
        [`start_offset`, `end_offset`), at most `max_results` (see the Storage port)."""
        keys = self._walk(prefix)
        keys = [k for k in keys if (start_offset is None or k >= start_offset)
                and (end_offset is None or k < end_offset)]
        return keys if max_results is None else keys[:max_results]

    def _walk(self, prefix: str) -> list[str]:
        _validate_prefix(prefix)
        head, _, _ = prefix.rpartition("/")
        start = self.root.joinpath(*head.split("/")) if head else self.root
        if not start.is_dir():
            return []
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            rel = os.path.relpath(dirpath, self.root)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            dirnames[:] = [d for d in dirnames if _SEGMENT.fullmatch(d) and _may_hold(base + d + "/", prefix)]
            for name in filenames:
                if _TMP_MARK in name or not _SEGMENT.fullmatch(name):
                    continue
                key = base + name
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)
