"""Execution history: step entries like the Executions API's `stepEntries`, and where executions are kept.

Locally each finished execution is one JSON file, `<dir>/executions/<execution_id>.json`, written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Entry:
    """One step entry; `finish` sets its end time, state and (on failure) the exception payload."""

    __slots__ = ("end", "entry_id", "exception", "iteration", "routine", "start", "state", "step", "step_type",
                 "thread")

    def __init__(self, entry_id: int, routine: str, step: str, step_type: str, start: float, thread: str,
                 iteration: int | None = None):
        self.entry_id, self.routine, self.step, self.step_type = entry_id, routine, step, step_type
        self.start, self.end, self.state, self.exception = start, None, "STATE_IN_PROGRESS", None
        self.thread, self.iteration = thread, iteration

    def finish(self, end: float, state: str, exception: Any = None) -> None:
        self.end, self.state, self.exception = end, state, exception

    def to_dict(self) -> dict[str, Any]:
        d = {
            "entryId": self.entry_id, "routine": self.routine, "step": self.step, "stepType": self.step_type,
            "state": self.state, "createTime": iso(self.start), "updateTime": iso(self.end or self.start),
            "threadId": self.thread,
        }
        if self.iteration is not None:
            d["iteration"] = self.iteration
        if self.exception is not None:
            d["exception"] = {"payload": json.dumps(self.exception, default=repr)}
        return d


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class HistoryStore:
    """Executions saved as JSON files under `<root>/executions/`."""

    def __init__(self, root: str | Path):
        self.dir = Path(root) / "executions"

    def save(self, record: dict[str, Any]) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{record['executionId']}.json"
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f, indent=1, default=repr)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def get(self, execution_id: str) -> dict[str, Any] | None:
        if not execution_id or "/" in execution_id or execution_id.startswith("."):
            return None
        path = self.dir / f"{execution_id}.json"
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def list(self) -> list[dict[str, Any]]:
        """Summaries of every saved execution, newest first."""
        out = []
        for path in self.dir.glob("*.json") if self.dir.is_dir() else []:
            try:
                rec = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append({k: rec.get(k) for k in ("executionId", "workflow", "state", "startTime", "endTime",
                                                "duration", "stepCount")})
        return sorted(out, key=lambda r: r.get("startTime") or "", reverse=True)
