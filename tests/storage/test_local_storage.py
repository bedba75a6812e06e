"""The Storage contract, run against every adapter in BACKENDS (the local directory, and GcsStorage on
fake-gcs-server), plus what only the local directory adapter promises (paths, no temporary files left behind,
fsync)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bookgen.errors import NotFound
from bookgen.storage import Storage, read_json, write_json
from bookgen.storage.local import LocalStorage, validate_key


@dataclass
class Backend:
    storage: Storage
    child_code: str  # Python that builds the same storage as `s` in another process


def _local(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    root = tmp_path / "bucket"
    yield Backend(LocalStorage(root),
                  f"from bookgen.storage.local import LocalStorage\ns = LocalStorage({str(root)!r})")


def _gcs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """GcsStorage on fake-gcs-server (the session fixture `gcs_emulator`), with a fresh pair of buckets."""
    from bookgen.storage.gcs import GcsStorage

    raw, processed = request.getfixturevalue("gcs_emulator").new_buckets()
    yield Backend(GcsStorage(raw, processed),  # child processes inherit STORAGE_EMULATOR_HOST
                  f"from bookgen.storage.gcs import GcsStorage\ns = GcsStorage({raw!r}, {processed!r})")


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Iterator[Backend]]] = {
    "local": _local, "gcs": _gcs}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage


BAD_KEYS = ["", "/abs/key", "a//b", "a/", "../x", "a/../b", "a/./b", ".", "..", "a\\b", "a b", "caf\u00e9",
            "a/b?c", "a~b", "x" * 1025]


class TestStorageContract:
    def test_round_trip(self, storage: Storage) -> None:
        data = bytes(range(256)) * 10
        assert storage.write("raw/books/b-1/request.json", data) is True
        assert storage.read("raw/books/b-1/request.json") == data
        assert storage.exists("raw/books/b-1/request.json")

    def test_json_helpers(self, storage: Storage) -> None:
        assert write_json(storage, "raw/books/b/bible.json", {"title": "Ünïcode", "n": [1, 2]}) is True
        assert read_json(storage, "raw/books/b/bible.json") == {"title": "Ünïcode", "n": [1, 2]}
        assert write_json(storage, "raw/books/b/bible.json", {"other": 1}, if_absent=True) is False
        assert read_json(storage, "raw/books/b/bible.json")["n"] == [1, 2]

    def test_empty_object(self, storage: Storage) -> None:
        assert storage.write("raw/empty", b"")
        assert storage.read("raw/empty") == b""

    def test_overwrite_replaces(self, storage: Storage) -> None:
        storage.write("k/v", b"first version, longer")
        assert storage.write("k/v", b"second") is True
        assert storage.read("k/v") == b"second"

    def test_readers_never_see_a_partial_write(self, storage: Storage) -> None:
        old, new = b"a" * 2_000_000, b"b" * 3_000_000
        storage.write("big/object", old)
        reads: list[int] = []
        torn: list[int] = []
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                data = storage.read("big/object")
                reads.append(len(data))
                if data not in (old, new):
                    torn.append(len(data))

        t = threading.Thread(target=reader)
        t.start()
        try:
            for i in range(20):
                storage.write("big/object", new if i % 2 == 0 else old)
        finally:
            stop.set()
            t.join(timeout=30)
        assert torn == []
        assert len(reads) > 5
        assert not t.is_alive()

    def test_create_only_keeps_the_first(self, storage: Storage) -> None:
        assert storage.write("raw/cache/llm/abc.json", b"first", if_absent=True) is True
        assert storage.write("raw/cache/llm/abc.json", b"second", if_absent=True) is False
        assert storage.read("raw/cache/llm/abc.json") == b"first"

    def test_create_only_race_between_threads_has_one_winner(self, storage: Storage) -> None:
        rounds = 25
        barriers = [threading.Barrier(8) for _ in range(rounds)]

        def attempt(i: int) -> list[bool]:
            results = []
            for r in range(rounds):
                barriers[r].wait(timeout=10)
                results.append(storage.write(f"race/{r}", f"writer {i}".encode() * 1000, if_absent=True))
            return results

        with ThreadPoolExecutor(8) as pool:
            by_writer = list(pool.map(attempt, range(8)))
        for r in range(rounds):
            results = [by_writer[i][r] for i in range(8)]
            assert results.count(True) == 1, f"round {r}: {results}"
            assert storage.read(f"race/{r}") == f"writer {results.index(True)}".encode() * 1000

    def test_create_only_race_between_processes_has_one_winner(self, backend: Backend, tmp_path: Path) -> None:
        go = tmp_path / "go"
        script = backend.child_code + textwrap.dedent(f"""
            import os, sys, time
            deadline = time.monotonic() + 20
            while not os.path.exists({str(go)!r}):
                if time.monotonic() > deadline:
                    sys.exit("no go signal")
                time.sleep(0.001)
            won = s.write("race/proc", ("process " + sys.argv[1]).encode(), if_absent=True)
            print("won" if won else "lost")
        """)
        procs = [subprocess.Popen([sys.executable, "-c", script, str(i)], stdout=subprocess.PIPE, text=True)
                 for i in range(2)]
        time.sleep(1.0)  # let both interpreters start and wait on the signal
        go.touch()
        outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
        assert [p.returncode for p in procs] == [0, 0]
        assert sorted(outputs) == ["lost", "won"]
        assert backend.storage.read("race/proc") == f"process {outputs.index('won')}".encode()

    @pytest.mark.parametrize("key", BAD_KEYS)
    def test_bad_keys_are_rejected(self, storage: Storage, key: str) -> None:
        for op in (lambda: storage.write(key, b"x"), lambda: storage.read(key), lambda: storage.exists(key),
                   lambda: storage.delete(key), lambda: storage.uri(key)):
            with pytest.raises(ValueError) as info:
                op()
            assert repr(key[:60]) in str(info.value)

    def test_missing_object_is_not_found(self, storage: Storage) -> None:
        with pytest.raises(NotFound):
            storage.read("raw/books/nope/request.json")
        assert not storage.exists("raw/books/nope/request.json")
        storage.write("raw/books/yes/request.json", b"{}")
        with pytest.raises(NotFound):
            storage.read("raw/books/yes")  # a prefix is not an object
        assert not storage.exists("raw/books/yes")

    def test_list_is_sorted_and_prefix_based(self, storage: Storage) -> None:
        keys = ["raw/books/b/chapters/02.json", "raw/books/b/chapters/01.json", "raw/books/b/bible.json",
                "raw/books/b-2/request.json", "processed/books/b/book.epub", "executions/e1.json"]
        for key in keys:
            storage.write(key, b"x")
        assert storage.list("raw/books/b/") == ["raw/books/b/bible.json", "raw/books/b/chapters/01.json",
                                                "raw/books/b/chapters/02.json"]
        assert storage.list("raw/books/b") == sorted(k for k in keys if k.startswith("raw/books/b"))
        assert storage.list("raw/books/b/chapters/0") == ["raw/books/b/chapters/01.json",
                                                          "raw/books/b/chapters/02.json"]
        assert storage.list("") == sorted(keys)
        assert storage.list("nothing/here/") == []

    def test_list_ranges_and_limits(self, storage: Storage) -> None:
        keys = [f"raw/api/owners/k/books/{n:03d}.json" for n in range(12)] + ["processed/books/b/book.md"]
        for key in keys:
            storage.write(key, b"x")
        prefix = "raw/api/owners/k/books/"
        assert storage.list(prefix, max_results=3) == keys[:3]
        assert storage.list(prefix, start_offset=prefix + "004.json") == keys[4:12]
        assert storage.list(prefix, end_offset=prefix + "002") == keys[:2]
        assert storage.list(prefix, start_offset=prefix + "003", end_offset=prefix + "009", max_results=4) == keys[3:7]
        assert storage.list(prefix, start_offset=prefix + "999") == []
        assert storage.list("", start_offset="processed/", end_offset="processed0") == ["processed/books/b/book.md"]
        assert storage.list("", max_results=1) == ["processed/books/b/book.md"]

    def test_delete(self, storage: Storage) -> None:
        storage.write("a/b", b"x")
        storage.delete("a/b")
        assert not storage.exists("a/b")
        storage.delete("a/b")  # deleting what is gone is fine
        assert storage.list("a/") == []

    def test_uri_names_the_object(self, storage: Storage) -> None:
        storage.write("processed/books/b/book.md", b"# hi")
        uri = storage.uri("processed/books/b/book.md")
        assert uri.endswith("/processed/books/b/book.md")
        assert uri.startswith(("file:///", "gs://"))


class TestLocalStorage:
    def test_uri_and_path_are_absolute_files(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        s = LocalStorage("data")
        s.write("raw/x.json", b"1")
        assert s.path("raw/x.json") == tmp_path / "data" / "raw" / "x.json"
        assert s.uri("raw/x.json") == f"file://{tmp_path}/data/raw/x.json"
        assert s.path("raw/x.json").read_bytes() == b"1"

    def test_no_temporary_files_are_left_or_listed(self, tmp_path: Path) -> None:
        s = LocalStorage(tmp_path)
        s.write("d/k", b"1")
        s.write("d/k", b"2")
        s.write("d/k", b"3", if_absent=True)
        assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["k"]
        (tmp_path / "d" / "k~deadbeef.tmp").write_bytes(b"crashed writer")
        assert s.list("d/") == ["d/k"]

    def test_writes_are_fsynced_before_they_are_visible(self, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
        events: list[str] = []
        real_fsync, real_replace, real_link = os.fsync, os.replace, os.link
        monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
        monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
        monkeypatch.setattr(os, "link", lambda a, b: (events.append("link"), real_link(a, b))[1])
        s = LocalStorage(tmp_path)
        s.write("a/b", b"x")
        s.write("a/c", b"x", if_absent=True)
        # file fsync, then rename/link, then directory fsync
        assert events == ["fsync", "replace", "fsync", "fsync", "link", "fsync"]

    def test_key_and_prefix_conflicts_are_value_errors(self, tmp_path: Path) -> None:
        s = LocalStorage(tmp_path)
        s.write("a/b", b"x")
        with pytest.raises(ValueError, match="'a/b/c'"):
            s.write("a/b/c", b"y")
        s.write("p/q/r", b"x")
        with pytest.raises(ValueError, match="'p/q'"):
            s.write("p/q", b"y")
        with pytest.raises(ValueError, match="'p/q'"):
            s.write("p/q", b"y", if_absent=True)

    def test_data_must_be_bytes(self, tmp_path: Path) -> None:
        with pytest.raises(TypeError):
            LocalStorage(tmp_path).write("a", "text")  # type: ignore[arg-type]

    def test_validate_key_accepts_the_layout(self) -> None:
        for key in ["raw/books/maya-space-0123abcd/request.json", "raw/cache/llm/" + "a" * 64 + ".json",
                    "processed/books/b/cover.png", "executions/2f1c_9.json", "A.B-c_d"]:
            assert validate_key(key) == key
