"""`LocalEvents`: one append-only JSON-lines file per topic, `<root>/events/<topic>.jsonl`.

Each line is an envelope `{"event_id": uuid4, "ts": ISO-8601 UTC, "topic": ..., "data": event}`. A publish
writes the whole line with one `write` on an O_APPEND descriptor, under a thread lock and an exclusive `flock`
(so a CLI and a local API appending to the same file do not interleave), then fsyncs before returning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from bookgen.events import validate_topic
from bookgen.storage.local import fsync_dir

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: the thread lock still serializes this process
    fcntl = None  # type: ignore[assignment]


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class LocalEvents:
    """Events appended durably to `<root>/events/<topic>.jsonl`."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(os.path.abspath(os.fspath(root)))
        self.directory = self.root / "events"
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalEvents({str(self.root)!r})"

    def path(self, topic: str) -> Path:
        return self.directory / f"{validate_topic(topic)}.jsonl"

    def publish(self, topic: str, event: dict[str, Any]) -> str:
        """Append `event` to the topic's file and fsync it; return the new event id."""
        path = self.path(topic)
        if not isinstance(event, dict):
            raise TypeError(f"event for {topic!r} must be a dict, not {type(event).__name__}")
        event_id = str(uuid.uuid4())
        envelope = {"event_id": event_id, "ts": dt.datetime.now(dt.UTC).isoformat(),
                    "topic": topic, "data": event}
        try:
            line = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False, default=_json_default)
        except (TypeError, ValueError) as e:
            raise ValueError(f"event for {topic!r} is not JSON serializable: {e}") from e
        self._append(path, (line + "\n").encode("utf-8"))
        return event_id

    def _append(self, path: Path, data: bytes) -> None:
        with self._lock:
            created = not path.exists()
            if created:
                self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a crashed writer left half a line: end it, keep ours whole
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the flock
            if created:
                fsync_dir(self.directory)

    def read(self, topic: str) -> list[dict[str, Any]]:
        """Every complete envelope published on `topic`, oldest first ([] when none).

        A line cut short by a crash mid-append is not an event: it is skipped with a warning.
        """
        try:
            raw = self.path(topic).read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        events = []
        for number, line in enumerate(lines[:-1], 1):  # the part after the last newline is incomplete
            try:
                events.append(json.loads(line))
            except ValueError:
                log.warning("skipping torn line %d of %s", number, self.path(topic))
        if lines[-1]:
            log.warning("skipping incomplete last line of %s", self.path(topic))
        return events

    def tail(self, topic: str, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """The complete envelopes appended after byte `offset`, and the offset to read from next time (a
        consumer that follows the topic, like the local queue and the local notifier). A torn line is skipped
        with a warning; an incomplete last line is left for the next call."""
        try:
            with open(self.path(topic), "rb") as f:
                f.seek(offset)
                raw = f.read()
        except FileNotFoundError:
            return [], offset
        end = raw.rfind(b"\n") + 1
        events = []
        for line in raw[:end].split(b"\n")[:-1]:
            try:
                events.append(json.loads(line))
            except ValueError:
                log.warning("skipping a torn line of %s at offset %d", self.path(topic), offset)
        return events, offset + end
