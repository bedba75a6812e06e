"""LocalEvents: durable JSON-lines per topic, envelopes with ids, safe under threads and processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bookgen.events import Events, validate_topic
from bookgen.events.local import LocalEvents


def test_publish_appends_an_envelope_and_returns_its_id(tmp_path: Path) -> None:
    events: Events = LocalEvents(tmp_path)
    before = dt.datetime.now(dt.UTC)
    event_id = events.publish("book-ready", {"book_id": "b1", "status": "ready", "title": "Ünïcode"})
    assert uuid.UUID(event_id).version == 4
    lines = (tmp_path / "events" / "book-ready.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1
    envelope = json.loads(lines[0])
    assert envelope["event_id"] == event_id
    assert envelope["topic"] == "book-ready"
    assert envelope["data"] == {"book_id": "b1", "status": "ready", "title": "Ünïcode"}
    ts = dt.datetime.fromisoformat(envelope["ts"])
    assert ts.tzinfo is not None and before <= ts <= dt.datetime.now(dt.UTC)


def test_read_returns_events_in_order_per_topic(tmp_path: Path) -> None:
    events = LocalEvents(tmp_path)
    ids = [events.publish("book-ready", {"n": i}) for i in range(3)]
    other = events.publish("book-failed", {"n": 99})
    assert [e["event_id"] for e in events.read("book-ready")] == ids
    assert [e["data"] for e in events.read("book-ready")] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [e["event_id"] for e in events.read("book-failed")] == [other]
    assert events.read("never-used") == []
    assert len(set(ids)) == 3


def test_the_event_is_not_modified(tmp_path: Path) -> None:
    event = {"event_id": "caller's own", "nested": {"a": [1, 2]}}
    LocalEvents(tmp_path).publish("topic-a", event)
    assert event == {"event_id": "caller's own", "nested": {"a": [1, 2]}}
    assert LocalEvents(tmp_path).read("topic-a")[0]["data"] == event


def test_datetimes_are_written_as_iso_strings(tmp_path: Path) -> None:
    events = LocalEvents(tmp_path)
    events.publish("topic-a", {"at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)})
    assert events.read("topic-a")[0]["data"] == {"at": "2026-01-02T03:04:05+00:00"}


@pytest.mark.parametrize(("bad", "error"), [({"x": object()}, ValueError), ({"x": float("nan")}, ValueError),
                                            (["not", "a", "dict"], TypeError)])
def test_unserializable_events_are_rejected_and_nothing_is_written(tmp_path: Path, bad: object,
                                                                   error: type[Exception]) -> None:
    events = LocalEvents(tmp_path)
    with pytest.raises(error, match="topic-a"):
        events.publish("topic-a", bad)  # type: ignore[arg-type]
    assert events.read("topic-a") == []


@pytest.mark.parametrize("topic", ["", "ab", "../evil", "a/b", "1abc", "has space", "x" * 256, "ev\\il"])
def test_bad_topics_are_rejected(tmp_path: Path, topic: str) -> None:
    with pytest.raises(ValueError, match="invalid topic"):
        LocalEvents(tmp_path).publish(topic, {})
    assert not (tmp_path / "events").exists() or list((tmp_path / "events").iterdir()) == []


def test_good_topics() -> None:
    for topic in ["book-ready", "bookgen.requests", "A_b-c.d", "x" * 255]:
        assert validate_topic(topic) == topic


def test_publish_fsyncs_before_returning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    events = LocalEvents(tmp_path)
    events.publish("topic-a", {"n": 1})  # creates the file: file + directory fsync
    events.publish("topic-a", {"n": 2})
    assert len(synced) == 3


def test_concurrent_publishers_do_not_interleave(tmp_path: Path) -> None:
    events = LocalEvents(tmp_path)
    payload = "x" * 20_000  # lines far larger than PIPE_BUF

    def publish(i: int) -> str:
        return events.publish("busy", {"i": i, "payload": payload})

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(publish, range(200)))
    read = events.read("busy")
    assert sorted(e["event_id"] for e in read) == sorted(ids)
    assert sorted(e["data"]["i"] for e in read) == list(range(200))


def test_processes_append_to_the_same_file(tmp_path: Path) -> None:
    script = (f"from bookgen.events.local import LocalEvents\ne = LocalEvents({str(tmp_path)!r})\n"
              "import sys\nfor i in range(50): e.publish('shared', {'p': sys.argv[1], 'i': i, 'pad': 'y' * 9000})")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(p)]) for p in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    read = LocalEvents(tmp_path).read("shared")
    assert sorted((e["data"]["p"], e["data"]["i"]) for e in read) == [
        (str(p), i) for p in range(3) for i in range(50)]


def test_a_torn_last_line_is_not_an_event(tmp_path: Path) -> None:
    events = LocalEvents(tmp_path)
    first = events.publish("topic-a", {"n": 1})
    with open(events.path("topic-a"), "ab") as f:
        f.write(b'{"event_id": "half')
    assert [e["event_id"] for e in events.read("topic-a")] == [first]
    third = events.publish("topic-a", {"n": 3})  # the next append ends the torn line first
    assert [e["event_id"] for e in events.read("topic-a")] == [first, third]
