"""`DuckDBAnalytics`: the analytics tables and views of DESIGN §6 in one DuckDB file.

Everything is written in BigQuery SQL and transpiled with sqlglot: the table DDL (rendered from `schema.TABLES`),
the views (`sql/*.sql`) and the queries callers pass to `query()`, with `@name` parameters bound by DuckDB.
The connection's time zone is UTC, so `DATE(ts)` means the same day as on BigQuery.

One connection serves every thread behind a lock (DuckDB allows one writing process per file; the local engine
runs steps in-process). `stats()` is the summary `bookgen stats --json` prints, computed through the views with
port-level queries only, so any `Analytics` adapter can produce it with `summarize()`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from bookgen.analytics import Analytics
from bookgen.analytics.schema import (
    DATASET_PLACEHOLDER,
    REFERENCE_TABLES,
    STATUSES,
    TABLES,
    VIEWS,
    Column,
    Table,
    column_sql,
    create_table_sql,
    view_sql,
)

DATASET = "main"  # DuckDB's default schema stands in for the BigQuery dataset


@functools.lru_cache(maxsize=256)
def to_duckdb(sql: str) -> tuple[str, frozenset[str]]:
    """Transpile one BigQuery statement to DuckDB; also return its `@name` parameters.

    ValueError when sqlglot cannot parse it or it holds more than one statement.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
        if len(statements) != 1:
            raise ValueError(f"expected one SQL statement, got {len(statements)}")
        (tree,) = statements
        names = frozenset(p.name for p in tree.find_all(exp.Parameter))
        return tree.sql(dialect="duckdb"), names
    except SqlglotError as e:
        raise ValueError(f"not valid BigQuery SQL: {e}") from e


class DuckDBAnalytics:
    """Analytics in a DuckDB file (or ":memory:"); creates missing tables, columns and all views on open.

    `prices` (the `prices` setting: model -> {"input", "cached", "output"} USD per 1M tokens) replaces the
    stored price table when given; when None, the prices stored by an earlier writer are kept.
    """

    dataset = DATASET

    def __init__(self, path: str | os.PathLike[str],
                 prices: Mapping[str, Mapping[str, float]] | None = None):
        import duckdb

        self.path = os.fspath(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._con = duckdb.connect(self.path)
        self._con.execute("SET TimeZone = 'UTC'")
        self._create()
        if prices is not None:
            self.set_prices(prices)

    def __repr__(self) -> str:
        return f"DuckDBAnalytics({self.path!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # ---------------------------------------------------------------------------------------------- schema
    def _create(self) -> None:
        with self._lock:
            for table in (*TABLES.values(), *REFERENCE_TABLES.values()):
                self._con.execute(to_duckdb(create_table_sql(table, DATASET))[0])
                self._add_missing_columns(table)
            for name in VIEWS:
                self._con.execute(to_duckdb(view_sql(name, DATASET))[0])

    def _add_missing_columns(self, table: Table) -> None:
        """Schema evolution as BigQuery allows it: new columns are added (nullable) to an older file."""
        existing = {row[0] for row in self._con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [DATASET, table.name]).fetchall()}
        for column in table.columns:
            if column.name not in existing:
                relaxed = Column(column.name, column.type, "NULLABLE" if column.mode == "REQUIRED" else column.mode)
                ddl = f"ALTER TABLE {DATASET}.{table.name} ADD COLUMN {column_sql(relaxed)}"
                self._con.execute(to_duckdb(ddl)[0])

    def set_prices(self, prices: Mapping[str, Mapping[str, float]]) -> None:
        """Replace the price table (USD per 1M tokens; "cached" defaults to "input" when absent)."""
        rows = []
        for model, price in prices.items():
            try:
                rows.append((model, float(price["input"]), float(price.get("cached", price["input"])),
                             float(price["output"])))
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"price of model {model!r} needs numeric 'input' and 'output': {e}") from e
        with self._lock:
            self._con.begin()
            try:
                self._con.execute(f"DELETE FROM {DATASET}.model_prices")
                if rows:
                    self._con.executemany(f"INSERT INTO {DATASET}.model_prices VALUES (?, ?, ?, ?)", rows)
                self._con.commit()
            except BaseException:
                self._con.rollback()
                raise

    # ---------------------------------------------------------------------------------------------- port
    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Append `rows` to `table`, all or none; unknown tables/columns and bad values raise ValueError."""
        spec = TABLES.get(table)
        if spec is None:
            raise ValueError(f"unknown analytics table {table!r}; known: {', '.join(TABLES)}")
        values = [_row_values(spec, row, i) for i, row in enumerate(rows)]
        if not values:
            return
        columns = ", ".join(spec.column_names)
        marks = ", ".join("?" for _ in spec.columns)
        with self._lock:
            self._con.begin()
            try:
                self._con.executemany(f"INSERT INTO {DATASET}.{table} ({columns}) VALUES ({marks})", values)
                self._con.commit()
            except BaseException:
                self._con.rollback()
                raise

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run BigQuery SQL (`${dataset}.` prefixes allowed, `@name` parameters) on DuckDB; rows as dicts."""
        statement, names = to_duckdb(sql.replace(DATASET_PLACEHOLDER, DATASET))
        given = set(params or {})
        if given != names:
            missing, extra = sorted(names - given), sorted(given - names)
            raise ValueError(f"query parameters do not match the SQL: missing {missing}, unused {extra}")
        with self._lock:
            cursor = self._con.execute(statement, dict(params) if params else None)
            if cursor.description is None:
                return []
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def stats(self) -> dict[str, Any]:
        """The summary `bookgen stats --json` prints (see `summarize`)."""
        return summarize(self)


# -------------------------------------------------------------------------------------------------- rows
def _row_values(table: Table, row: Mapping[str, Any], index: int) -> tuple[Any, ...]:
    if not isinstance(row, Mapping):
        raise TypeError(f"{table.name} row {index}: expected a dict, got {type(row).__name__}")
    unknown = sorted(set(row) - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.name} row {index}: unknown column(s) {', '.join(map(repr, unknown))}")
    return tuple(_value(table.name, column, row.get(column.name), index) for column in table.columns)


def _value(table: str, column: Column, value: Any, index: int) -> Any:
    where = f"{table}.{column.name} (row {index})"
    if column.mode == "REPEATED":
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: expected a list of {column.type}, got {type(value).__name__}")
        return [_scalar(where, column.type, v) for v in value]
    if value is None:
        if column.mode == "REQUIRED":
            raise ValueError(f"{where}: required, got nothing")
        return None
    value = _scalar(where, column.type, value)
    allowed = STATUSES.get((table, column.name))
    if allowed is not None and value not in allowed:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _scalar(where: str, type_: str, value: Any) -> Any:
    if value is None:
        raise ValueError(f"{where}: NULL inside a repeated value")
    ok = {
        "STRING": isinstance(value, str),
        "INT64": isinstance(value, int) and not isinstance(value, bool),
        "FLOAT64": isinstance(value, (int, float)) and not isinstance(value, bool),
        "BOOL": isinstance(value, bool),
        "TIMESTAMP": isinstance(value, (dt.datetime, str, int, float)) and not isinstance(value, bool),
    }[type_]
    if not ok:
        hint = " (datetime, ISO-8601 string or epoch seconds)" if type_ == "TIMESTAMP" else ""
        raise ValueError(f"{where}: expected {type_}{hint}, got {type(value).__name__} {value!r}")
    if type_ == "FLOAT64":
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not a finite number")
    if type_ == "TIMESTAMP":
        value = to_timestamp(value, where)
    return value


def to_timestamp(value: Any, where: str = "timestamp") -> dt.datetime:
    """An aware UTC datetime from a datetime (naive = UTC), an ISO-8601 string or epoch seconds."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError as e:
            raise ValueError(f"{where}: {value!r} is not an ISO-8601 timestamp") from e
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            stamp = dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError) as e:
            raise ValueError(f"{where}: {value!r} is not a usable epoch time") from e
    else:
        raise TypeError(f"{where}: expected TIMESTAMP (datetime, ISO string or epoch seconds), "
                         f"got {type(value).__name__} {value!r}")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


# -------------------------------------------------------------------------------------------------- stats
_STATS_SQL = {
    "books": "SELECT SUM(books) AS total, SUM(ready) AS ready, SUM(failed) AS failed, SUM(running) AS running "
             "FROM ${dataset}.book_success_rate",
    "calls": "SELECT SUM(calls) AS calls, SUM(cache_hits) AS cache_hits, SUM(prompt_tokens) AS prompt, "
             "SUM(cached_tokens) AS cached, SUM(completion_tokens) AS completion FROM ${dataset}.token_usage",
    "cost": "SELECT SUM(cost_usd) AS total, COUNT(*) AS books FROM ${dataset}.cost_per_book",
    "saved": "SELECT SUM(saved_usd) AS saved FROM ${dataset}.cache_savings",
    "steps": "SELECT d.step, d.runs, d.p50_ms, d.p95_ms, s.success_rate FROM ${dataset}.step_durations AS d "
             "LEFT JOIN ${dataset}.step_success_rate AS s ON s.step = d.step ORDER BY d.step",
}


def summarize(analytics: Analytics) -> dict[str, Any]:
    """Books by status, calls, billed tokens, cost (total, per book with calls, saved by caching) and
    p50/p95 duration per step (`book` = end to end), all read from the views."""
    (books,) = analytics.query(_STATS_SQL["books"])
    (calls,) = analytics.query(_STATS_SQL["calls"])
    (cost,) = analytics.query(_STATS_SQL["cost"])
    (saved,) = analytics.query(_STATS_SQL["saved"])
    total_cost = float(cost["total"] or 0.0)
    n_books = int(cost["books"] or 0)
    finished = int(books["ready"] or 0) + int(books["failed"] or 0)
    return {
        "books": {
            "total": int(books["total"] or 0),
            "by_status": {s: int(books[s] or 0) for s in ("ready", "failed", "running")},
            "success_rate": (int(books["ready"] or 0) / finished) if finished else None,
        },
        "calls": {"count": int(calls["calls"] or 0), "cache_hits": int(calls["cache_hits"] or 0)},
        "tokens": {k: int(calls[k] or 0) for k in ("prompt", "cached", "completion")},
        "cost_usd": {
            "total": total_cost,
            "per_book": total_cost / n_books if n_books else None,
            "saved_by_cache": float(saved["saved"] or 0.0),
        },
        "duration_ms": {
            row["step"]: {"runs": int(row["runs"]), "p50": float(row["p50_ms"]), "p95": float(row["p95_ms"]),
                          "success_rate": None if row["success_rate"] is None else float(row["success_rate"])}
            for row in analytics.query(_STATS_SQL["steps"])
        },
    }
