"""DuckDBAnalytics on a real DuckDB file: inserts, validation, queries, every view on seeded rows (expected numbers
worked out by hand below), and `stats()`."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from bookgen.analytics.duckdb import DuckDBAnalytics

M = "gpt-5.4-mini"  # priced below: input 0.75, cached 0.075, output 4.50 USD per 1M tokens
LOCAL = "smollm2"  # deliberately missing from the price table
PRICES = {M: {"input": 0.75, "cached": 0.075, "output": 4.50}}
UTC = dt.UTC


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def call(ts: str, book: str, step: str, model: str, prompt: int, cached: int, completion: int, cost: float,
         hit: bool = False, status: str = "ok", chapter: int | None = None) -> dict[str, Any]:
    return {"ts": ts, "book_id": book, "execution_id": f"ex-{book}", "step": step, "chapter": chapter,
            "provider": "openai" if model == M else "local", "model": model, "prompt_tokens": prompt,
            "cached_tokens": cached, "completion_tokens": completion, "latency_ms": 100, "cost_usd": cost,
            "cache_hit": hit, "attempt": 1, "status": status,
            "error": "UpstreamTransient: 503" if status == "failed" else None}


def run(book: str, step: str, ms: int, status: str = "succeeded", attempt: int = 1) -> dict[str, Any]:
    start = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    return {"ts": start, "book_id": book, "execution_id": f"ex-{book}", "step": step, "attempt": attempt,
            "status": status, "started_at": start, "ended_at": start + dt.timedelta(milliseconds=ms),
            "duration_ms": ms, "error_type": None if status == "succeeded" else "UpstreamTransient"}


def book(book_id: str, requested: str, status: str, completed: str | None, genre: str, language: str,
         age: int | None, chapters: int, formats: list[str]) -> dict[str, Any]:
    return {"book_id": book_id, "requester": "cli", "requested_at": requested, "completed_at": completed,
            "status": status, "language": language, "genre": genre, "reader_age": age, "chapters": chapters,
            "words": chapters * 600, "cost_usd": 0.01, "formats": formats,
            "quality_passed": status == "ready"}


# Per-call costs at PRICES: (uncached * 0.75 + cached * 0.075 + completion * 4.5) / 1e6
C1 = (1000 * 0.75 + 500 * 4.5) / 1e6  # 0.003
C2 = (500 * 0.75 + 1500 * 0.075 + 800 * 4.5) / 1e6  # 0.0040875
C7 = (1000 * 0.75 + 2000 * 0.075 + 1000 * 4.5) / 1e6  # 0.0054

CALLS = [
    call("2026-03-01T10:00:30Z", "b1", "outline", M, 1000, 0, 500, C1),
    call("2026-03-01T10:01:00Z", "b1", "chapters", M, 2000, 1500, 800, C2, chapter=1),
    call("2026-03-01T10:01:00Z", "b1", "chapters", M, 2000, 1500, 800, 0.0, hit=True, chapter=2),
    call("2026-03-01T11:00:30Z", "b2", "outline", M, 0, 0, 0, 0.0, status="failed"),
    # 23:30 at UTC-1 is 00:30 UTC on March 2: days are UTC days
    call("2026-03-01T23:30:00-01:00", "b3", "outline", LOCAL, 400, 0, 300, 0.0),
    call("2026-03-02T09:01:00Z", "b3", "chapters", LOCAL, 400, 100, 300, 0.0, hit=True, chapter=1),
    call("2026-03-02T09:02:00Z", "b3", "chapters", M, 3000, 2000, 1000, C7, chapter=2),
]
RUNS = [
    run("b1", "outline", 1000), run("b1", "chapters", 3000), run("b1", "assemble", 500, "failed"),
    run("b1", "assemble", 700, attempt=2), run("b1", "publish", 200),
    run("b2", "outline", 30000, "failed"), run("b2", "outline", 30000, "failed", attempt=2),
    run("b3", "outline", 2000), run("b3", "chapters", 5000), run("b3", "assemble", 900), run("b3", "publish", 400),
    run("b4", "outline", 4000),
]
BOOKS = [
    book("b1", "2026-03-01T10:00:00Z", "running", None, "space", "es", 7, 2, ["epub", "pdf"]),
    book("b2", "2026-03-01T11:00:00Z", "failed", "2026-03-01T11:01:00Z", "space", "en", 10, 3, ["html"]),
    book("b1", "2026-03-01T10:00:00Z", "ready", "2026-03-01T10:02:00Z", "space", "es", 7, 2, ["epub", "pdf"]),
    book("b3", "2026-03-02T09:00:00Z", "ready", "2026-03-02T09:03:00Z", "mystery", "en", None, 2, ["epub", "md"]),
    book("b4", "2026-03-02T23:30:00Z", "running", None, "fantasy", "en", 30, 5, ["epub"]),
]


@pytest.fixture
def db(tmp_path: Path) -> DuckDBAnalytics:
    return DuckDBAnalytics(tmp_path / "analytics" / "bookgen.duckdb", prices=PRICES)


@pytest.fixture
def seeded(db: DuckDBAnalytics) -> DuckDBAnalytics:
    db.insert("llm_calls", CALLS)
    db.insert("step_runs", RUNS)
    db.insert("books", BOOKS)
    return db


def view(db: DuckDBAnalytics, name: str, order: str) -> list[dict[str, Any]]:
    return db.query(f"SELECT * FROM ${{dataset}}.{name} ORDER BY {order}")


def pick(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in keys) for r in rows]


# ------------------------------------------------------------------------------------------ tables
def test_llm_calls_round_trip(db: DuckDBAnalytics) -> None:
    db.insert("llm_calls", CALLS[:2])
    rows = db.query("SELECT * FROM llm_calls ORDER BY ts")
    assert rows[0] == {**CALLS[0], "ts": t("2026-03-01T10:00:30+00:00")}
    assert rows[1]["chapter"] == 1 and rows[1]["cached_tokens"] == 1500 and rows[1]["cache_hit"] is False
    assert rows[0]["ts"].utcoffset() == dt.timedelta(0)


def test_step_runs_round_trip(db: DuckDBAnalytics) -> None:
    db.insert("step_runs", [RUNS[2]])
    (row,) = db.query("SELECT * FROM step_runs")
    assert row == RUNS[2]


def test_books_round_trip_keeps_formats_a_list(db: DuckDBAnalytics) -> None:
    db.insert("books", [BOOKS[3]])
    (row,) = db.query("SELECT * FROM books")
    assert row["formats"] == ["epub", "md"]
    assert row["requested_at"] == t("2026-03-02T09:00:00+00:00")
    assert row["reader_age"] is None and row["quality_passed"] is True
    assert db.query("SELECT f FROM books CROSS JOIN UNNEST(formats) AS f ORDER BY f") == [{"f": "epub"},
                                                                                         {"f": "md"}]


def test_timestamps_are_converted_to_utc(db: DuckDBAnalytics) -> None:
    stamps = [dt.datetime(2026, 1, 1, 12), dt.datetime(2026, 1, 1, 13, tzinfo=dt.timezone(dt.timedelta(hours=1))),
              "2026-01-01T12:00:00Z", "2026-01-01T07:00:00-05:00", 1767268800, 1767268800.0]
    db.insert("step_runs", [{"ts": s, "book_id": "b", "step": "outline", "status": "succeeded"} for s in stamps])
    assert {r["ts"] for r in db.query("SELECT ts FROM step_runs")} == {t("2026-01-01T12:00:00+00:00")}


@pytest.mark.parametrize(("table", "row", "message"), [
    ("llm_calls", {**CALLS[0], "tokens": 5}, "'tokens'"),
    ("books", {**BOOKS[0], "colour": "red", "size": 1}, "'colour', 'size'"),
    ("books", {**BOOKS[0], "book_id": None}, "books.book_id"),
    ("books", {k: v for k, v in BOOKS[0].items() if k != "status"}, "books.status"),
    ("books", {**BOOKS[0], "status": "done"}, "books.status"),
    ("books", {**BOOKS[0], "formats": "epub"}, "books.formats"),
    ("books", {**BOOKS[0], "reader_age": "7"}, "books.reader_age"),
    ("llm_calls", {**CALLS[0], "cache_hit": 0}, "llm_calls.cache_hit"),
    ("llm_calls", {**CALLS[0], "prompt_tokens": True}, "llm_calls.prompt_tokens"),
    ("llm_calls", {**CALLS[0], "cost_usd": float("nan")}, "llm_calls.cost_usd"),
    ("llm_calls", {**CALLS[0], "ts": "yesterday"}, "llm_calls.ts"),
    ("llm_calls", {**CALLS[0], "ts": [2026]}, "llm_calls.ts"),
    ("llm_calls", {**CALLS[0], "ts": 1e20}, "llm_calls.ts"),
    ("step_runs", {**RUNS[0], "status": "success"}, "step_runs.status"),
    ("llm_calls", {**CALLS[0], "status": "succeeded"}, "llm_calls.status"),
    ("llm_calls", {**CALLS[0], "book_id": None}, "llm_calls.book_id"),
])
def test_bad_rows_raise_naming_the_column(db: DuckDBAnalytics, table: str, row: dict[str, Any],
                                          message: str) -> None:
    good = {"llm_calls": CALLS[1], "books": BOOKS[1], "step_runs": RUNS[1]}[table]
    with pytest.raises(ValueError) as info:
        db.insert(table, [good, row])
    assert message in str(info.value)
    assert db.query(f"SELECT COUNT(*) AS n FROM {table}") == [{"n": 0}]  # all or nothing


def test_reused_outputs_and_bookless_failures_are_recorded(db: DuckDBAnalytics) -> None:
    db.insert("llm_calls", [call("2026-03-01T10:00:00Z", "b1", "outline", M, 1000, 0, 1000, 0.0, hit=True,
                                 status="reused")])
    db.insert("step_runs", [{**run("b1", "outline", 50, "failed"), "book_id": None}])
    (saved,) = db.query("SELECT cache_hits, response_cache_usd FROM ${dataset}.cache_savings")
    assert saved == {"cache_hits": 1, "response_cache_usd": pytest.approx((1000 * 0.75 + 1000 * 4.5) / 1e6)}
    assert pick(db.query("SELECT * FROM ${dataset}.step_success_rate"), "runs", "failed", "books") == [(1, 1, 0)]


def test_a_row_must_be_a_dict(db: DuckDBAnalytics) -> None:
    with pytest.raises(TypeError, match="books row 0"):
        db.insert("books", [["b1"]])  # type: ignore[list-item]


def test_unknown_table_is_rejected(db: DuckDBAnalytics) -> None:
    with pytest.raises(ValueError, match="'calls'"):
        db.insert("calls", [{}])
    with pytest.raises(ValueError, match="'model_prices'"):
        db.insert("model_prices", [{"model": "x"}])


def test_query_binds_named_parameters(seeded: DuckDBAnalytics) -> None:
    rows = seeded.query("SELECT book_id, COUNT(*) AS n FROM llm_calls WHERE ts >= @since AND model = @model "
                        "GROUP BY book_id ORDER BY book_id",
                        {"since": dt.datetime(2026, 3, 1, 10, 1, tzinfo=UTC), "model": M})
    assert rows == [{"book_id": "b1", "n": 2}, {"book_id": "b2", "n": 1}, {"book_id": "b3", "n": 1}]
    assert seeded.query("SELECT COUNTIF(step IN UNNEST(@steps)) AS n FROM llm_calls",
                        {"steps": ["outline"]}) == [{"n": 3}]


def test_query_parameters_must_match(seeded: DuckDBAnalytics) -> None:
    with pytest.raises(ValueError, match=r"missing \['model'\]"):
        seeded.query("SELECT 1 AS x FROM llm_calls WHERE model = @model")
    with pytest.raises(ValueError, match=r"unused \['extra'\]"):
        seeded.query("SELECT 1 AS x", {"extra": 1})
    with pytest.raises(ValueError, match="BigQuery SQL"):
        seeded.query("SELECT FROM WHERE (")


def test_concurrent_inserts_from_threads(db: DuckDBAnalytics) -> None:
    def work(i: int) -> None:
        for j in range(25):
            db.insert("step_runs", [{**RUNS[0], "book_id": f"t{i}", "attempt": j}])
            db.query("SELECT COUNT(*) AS n FROM ${dataset}.step_success_rate")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert db.query("SELECT COUNT(*) AS n, COUNT(DISTINCT book_id) AS b FROM step_runs") == [{"n": 200, "b": 8}]


def test_reopening_keeps_rows_and_prices_and_adds_new_columns(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))  # a file from before `error` existed
    con.execute("CREATE TABLE llm_calls (ts TIMESTAMPTZ NOT NULL, book_id VARCHAR NOT NULL, step VARCHAR)")
    con.execute("INSERT INTO llm_calls VALUES ('2026-01-01 00:00:00+00', 'old', 'outline')")
    con.close()
    with DuckDBAnalytics(path, prices=PRICES) as db:
        assert db.query("SELECT book_id, error FROM llm_calls") == [{"book_id": "old", "error": None}]
        db.insert("books", [BOOKS[3]])
    with DuckDBAnalytics(path) as db:  # prices=None keeps what the writer stored
        assert db.query("SELECT model, output_usd_per_1m FROM model_prices") == [{"model": M,
                                                                                  "output_usd_per_1m": 4.5}]
        assert db.query("SELECT book_id FROM books") == [{"book_id": "b3"}]


def test_set_prices_validates(db: DuckDBAnalytics) -> None:
    with pytest.raises(ValueError, match="'broken'"):
        db.set_prices({"broken": {"input": 1.0}})
    db.set_prices({"x": {"input": 2.0, "output": 3.0}})  # cached defaults to input
    assert db.query("SELECT * FROM model_prices") == [{"model": "x", "input_usd_per_1m": 2.0,
                                                       "cached_usd_per_1m": 2.0, "output_usd_per_1m": 3.0}]


# ------------------------------------------------------------------------------------------ views
def test_books_latest_keeps_one_row_per_book(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "books_latest", "book_id")
    assert pick(rows, "book_id", "status") == [("b1", "ready"), ("b2", "failed"), ("b3", "ready"),
                                               ("b4", "running")]


def test_books_latest_prefers_a_final_status_on_a_tie(db: DuckDBAnalytics) -> None:
    same = "2026-03-01T10:00:00Z"
    db.insert("books", [book("b", same, "ready", same, "x", "en", 5, 1, ["md"]),
                        book("b", same, "running", same, "x", "en", 5, 1, ["md"])])
    assert pick(view(db, "books_latest", "book_id"), "status") == [("ready",)]


def test_book_success_rate(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "book_success_rate", "day")
    assert pick(rows, "day", "books", "ready", "failed", "running", "success_rate") == [
        (dt.date(2026, 3, 1), 2, 1, 1, 0, 0.5),
        (dt.date(2026, 3, 2), 2, 1, 0, 1, 1.0),
    ]


def test_step_success_rate(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "step_success_rate", "step")
    assert pick(rows, "step", "runs", "succeeded", "failed", "retries", "books") == [
        ("assemble", 3, 2, 1, 1, 2), ("chapters", 2, 2, 0, 0, 2), ("outline", 5, 3, 2, 1, 4),
        ("publish", 2, 2, 0, 0, 2)]
    assert [r["success_rate"] for r in rows] == pytest.approx([2 / 3, 1.0, 0.6, 1.0])


def test_step_durations_are_exact_percentiles(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "step_durations", "step")
    # linear interpolation: p = lo + (hi - lo) * frac at position q * (n - 1)
    assert pick(rows, "step", "runs", "p50_ms", "p95_ms", "max_ms") == [
        ("assemble", 2, 800.0, pytest.approx(890.0), 900),  # [700, 900]; the failed 500 is left out
        ("book", 2, 150000.0, pytest.approx(177000.0), 180000),  # ready books: 120 s and 180 s end to end
        ("chapters", 2, 4000.0, pytest.approx(4900.0), 5000),
        ("outline", 3, 2000.0, pytest.approx(3800.0), 4000),  # [1000, 2000, 4000]; failed 30 s runs left out
        ("publish", 2, 300.0, pytest.approx(390.0), 400),
    ]
    assert rows[3]["avg_ms"] == pytest.approx(7000 / 3)


def test_token_usage(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "token_usage", "step, model")
    assert pick(rows, "step", "model", "calls", "cache_hits", "prompt_tokens", "cached_tokens",
                "completion_tokens", "total_tokens") == [
        ("chapters", M, 3, 1, 5000, 3500, 1800, 6800),  # the hit's 2000/1500/800 are not billed
        ("chapters", LOCAL, 1, 1, 0, 0, 0, 0),
        ("outline", M, 2, 0, 1000, 0, 500, 1500),
        ("outline", LOCAL, 1, 0, 400, 0, 300, 700),
    ]
    assert [r["cached_share"] for r in rows] == [pytest.approx(0.7), None, 0.0, 0.0]


def test_cost_per_book(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "cost_per_book", "book_id")
    assert pick(rows, "book_id", "status", "genre", "chapters", "calls", "cache_hits") == [
        ("b1", "ready", "space", 2, 3, 1), ("b2", "failed", "space", 3, 1, 0), ("b3", "ready", "mystery", 2, 3, 1)]
    assert [r["cost_usd"] for r in rows] == pytest.approx([C1 + C2, 0.0, C7])
    assert [r["cost_per_chapter"] for r in rows] == pytest.approx([(C1 + C2) / 2, 0.0, C7 / 2])
    assert rows[2]["first_call_at"] == t("2026-03-02T00:30:00+00:00")


def test_cost_per_day_uses_utc_days(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "cost_per_day", "day")
    assert pick(rows, "day", "books", "calls", "cache_hits") == [(dt.date(2026, 3, 1), 2, 4, 1),
                                                                 (dt.date(2026, 3, 2), 1, 3, 1)]
    assert [r["cost_usd"] for r in rows] == pytest.approx([C1 + C2, C7])
    assert [r["cost_per_book"] for r in rows] == pytest.approx([(C1 + C2) / 2, C7])


def test_cost_per_model(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "cost_per_model", "model")
    assert pick(rows, "provider", "model", "calls", "cache_hits", "failed", "prompt_tokens", "cached_tokens",
                "completion_tokens") == [("openai", M, 5, 1, 1, 6000, 3500, 2300), ("local", LOCAL, 2, 1, 0, 400, 0, 300)]
    assert [r["cost_usd"] for r in rows] == pytest.approx([C1 + C2 + C7, 0.0])
    assert [r["cost_per_call"] for r in rows] == pytest.approx([(C1 + C2 + C7) / 4, 0.0])


def test_cache_savings(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "cache_savings", "model")
    prompt_cache = (1500 + 2000) * (0.75 - 0.075) / 1e6  # cached tokens of real calls, billed at the discount
    assert pick(rows, "model", "cache_hits", "unpriced_hits") == [(M, 1, 0), (LOCAL, 1, 1)]
    assert [r["response_cache_usd"] for r in rows] == pytest.approx([C2, 0.0])  # the hit repeats call 2
    assert [r["prompt_cache_usd"] for r in rows] == pytest.approx([prompt_cache, 0.0])
    assert [r["saved_usd"] for r in rows] == pytest.approx([C2 + prompt_cache, 0.0])


def test_user_patterns(seeded: DuckDBAnalytics) -> None:
    rows = view(seeded, "user_patterns", "dimension, value")
    assert pick(rows, "dimension", "value", "books", "share") == [
        ("chapters", "2", 2, 0.5), ("chapters", "3", 1, 0.25), ("chapters", "5", 1, 0.25),
        ("format", "epub", 3, 0.75), ("format", "html", 1, 0.25), ("format", "md", 1, 0.25),
        ("format", "pdf", 1, 0.25),
        ("genre", "fantasy", 1, 0.25), ("genre", "mystery", 1, 0.25), ("genre", "space", 2, 0.5),
        ("language", "en", 3, 0.75), ("language", "es", 1, 0.25),
        ("reader_age", "18+", 1, 0.25), ("reader_age", "2-7", 1, 0.25), ("reader_age", "8-12", 1, 0.25),
        ("reader_age", "unknown", 1, 0.25),
    ]


# ------------------------------------------------------------------------------------------ stats
def test_stats(seeded: DuckDBAnalytics) -> None:
    s = seeded.stats()
    assert s["books"] == {"total": 4, "by_status": {"ready": 2, "failed": 1, "running": 1},
                          "success_rate": pytest.approx(2 / 3)}
    assert s["calls"] == {"count": 7, "cache_hits": 2}
    assert s["tokens"] == {"prompt": 6400, "cached": 3500, "completion": 2600}
    total = C1 + C2 + C7
    assert s["cost_usd"] == {"total": pytest.approx(total), "per_book": pytest.approx(total / 3),
                             "saved_by_cache": pytest.approx(C2 + 3500 * 0.675 / 1e6)}
    assert {k: (v["runs"], v["p50"], round(v["p95"], 6)) for k, v in s["duration_ms"].items()} == {
        "assemble": (2, 800.0, 890.0), "book": (2, 150000.0, 177000.0), "chapters": (2, 4000.0, 4900.0),
        "outline": (3, 2000.0, 3800.0), "publish": (2, 300.0, 390.0)}
    assert s["duration_ms"]["outline"]["success_rate"] == pytest.approx(0.6)
    assert s["duration_ms"]["book"]["success_rate"] is None


def test_stats_of_an_empty_database(db: DuckDBAnalytics) -> None:
    assert db.stats() == {
        "books": {"total": 0, "by_status": {"ready": 0, "failed": 0, "running": 0}, "success_rate": None},
        "calls": {"count": 0, "cache_hits": 0}, "tokens": {"prompt": 0, "cached": 0, "completion": 0},
        "cost_usd": {"total": 0.0, "per_book": None, "saved_by_cache": 0.0}, "duration_ms": {}}


def test_days_are_utc_whatever_the_machine_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        db = DuckDBAnalytics(tmp_path / "tz.duckdb")
        db.insert("llm_calls", [CALLS[4]])  # 00:30 UTC on March 2 is 13:30 in Auckland, 23:30 at UTC-1
        assert db.query("SELECT day FROM ${dataset}.cost_per_day") == [{"day": dt.date(2026, 3, 2)}]
        assert db.query("SELECT DATE(ts) AS d, EXTRACT(HOUR FROM ts) AS h FROM llm_calls") == [
            {"d": dt.date(2026, 3, 2), "h": 0}]
    finally:
        monkeypatch.undo()
        time.tzset()
