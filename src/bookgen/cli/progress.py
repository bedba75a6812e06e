"""Live progress of one book on stderr, read from what the steps have stored (works whatever runs them)."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from bookgen import keys


class Progress:
    """A background poller that prints each milestone once: outline, every chapter, the files."""

    def __init__(self, storage: Any, book_id: str, chapters: int, interval: float = 0.5):
        self.storage, self.book_id, self.total, self.interval = storage, book_id, chapters, interval
        self.seen: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self.t0 = time.monotonic()

    def __enter__(self) -> Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self._poll()

    def _loop(self) -> None:
        while not self.stop.wait(self.interval):
            self._poll()

    def _say(self, key: str, text: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", file=sys.stderr, flush=True)

    def _poll(self) -> None:
        try:
            if self.storage.exists(keys.bible(self.book_id)):
                self._say("outline", "outline: story bible ready")
            for key in self.storage.list(keys.chapters_prefix(self.book_id)):
                if key not in self.seen:
                    done = sum("/chapters/" in k for k in self.seen) + 1
                    self._say(key, f"chapters: {done}/{self.total} written (chapter {key.rsplit('/', 1)[-1][:-5]})")
            if self.storage.exists(keys.assembly(self.book_id)):
                self._say("assemble", "assemble: book rendered")
        except Exception:  # progress must never break the run
            pass
