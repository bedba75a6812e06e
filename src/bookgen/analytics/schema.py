"""The analytics tables of DESIGN §6 and the views over them, for BigQuery and DuckDB alike.

`TABLES` is the one source of truth: column names, BigQuery types (STRING, INT64, FLOAT64, BOOL, TIMESTAMP)
and modes (NULLABLE, REQUIRED, REPEATED). The BigQuery adapter turns it into `SchemaField`s; the DuckDB adapter
renders `create_table_sql()` (BigQuery DDL) and transpiles it with sqlglot, so both engines get one definition.

`books.formats` is `REPEATED STRING` (an `ARRAY<STRING>`; DuckDB `VARCHAR[]`): a Python list goes in and comes
back out unchanged on both engines (`insert_rows_json` takes JSON arrays; DuckDB binds lists), and
`UNNEST(formats)` transpiles cleanly. A comma-joined STRING would round-trip too, but every reader would have to
split it and it would silently accept a format containing a comma.

Status vocabularies are fixed here and checked on insert, because the views count by them:
`llm_calls.status` is "ok" | "reused" | "failed" ("reused": a re-run found the step's output stored, recorded
with cache_hit = TRUE and no cost), `step_runs.status` is "succeeded" | "failed", `books.status` is the
manifest's "running" | "ready" | "failed". `books` is append-only (streaming inserts cannot be updated); the views read
the latest row per book_id (`books_latest`).

`model_prices` is not a §6 table: it is the configured price table (settings `prices`) copied into the dataset
so `cache_savings` can price a cache hit at what the row's model would have cost.

View SQL lives in `sql/<name>.sql`, BigQuery dialect, tables written `${dataset}.<table>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

Type = Literal["STRING", "INT64", "FLOAT64", "BOOL", "TIMESTAMP"]
Mode = Literal["NULLABLE", "REQUIRED", "REPEATED"]
DATASET_PLACEHOLDER = "${dataset}"


@dataclass(frozen=True)
class Column:
    name: str
    type: Type
    mode: Mode = "NULLABLE"
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    description: str = ""
    partition_by: str | None = None  # a TIMESTAMP column: BigQuery partitions by its day
    cluster_by: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type_: Type, mode: Mode = "NULLABLE", description: str = "") -> Column:
    return Column(name, type_, mode, description)


TABLES: dict[str, Table] = {
    "llm_calls": Table("llm_calls", (
        _c("ts", "TIMESTAMP", "REQUIRED", "when the call ended"),
        _c("book_id", "STRING", "REQUIRED"),
        _c("execution_id", "STRING"),
        _c("step", "STRING", "REQUIRED", "outline | chapters | assemble | publish"),
        _c("chapter", "INT64", description="chapter number; NULL outside `chapters`"),
        _c("provider", "STRING", "REQUIRED", "openai | local | scripted"),
        _c("model", "STRING", "REQUIRED"),
        _c("prompt_tokens", "INT64", "REQUIRED", "input tokens, cached ones included"),
        _c("cached_tokens", "INT64", "REQUIRED", "input tokens served from the provider's prompt cache"),
        _c("completion_tokens", "INT64", "REQUIRED"),
        _c("latency_ms", "INT64"),
        _c("cost_usd", "FLOAT64", "REQUIRED", "what was paid: 0 on a response-cache hit"),
        _c("cache_hit", "BOOL", "REQUIRED", "served from bookgen's response cache (no provider call)"),
        _c("attempt", "INT64"),
        _c("status", "STRING", "REQUIRED", "ok | reused | failed"),
        _c("error", "STRING", description="error type and message when failed"),
    ), "One row per model call (or response-cache hit).", "ts", ("book_id", "step")),
    "step_runs": Table("step_runs", (
        _c("ts", "TIMESTAMP", "REQUIRED", "when the row was written"),
        _c("book_id", "STRING", description="NULL when the step failed before a book id existed"),
        _c("execution_id", "STRING"),
        _c("step", "STRING", "REQUIRED"),
        _c("attempt", "INT64"),
        _c("status", "STRING", "REQUIRED", "succeeded | failed"),
        _c("started_at", "TIMESTAMP"),
        _c("ended_at", "TIMESTAMP"),
        _c("duration_ms", "INT64"),
        _c("error_type", "STRING"),
    ), "One row per step attempt.", "ts", ("step", "book_id")),
    "books": Table("books", (
        _c("book_id", "STRING", "REQUIRED"),
        _c("requester", "STRING", description="API key id or 'cli'; never a secret"),
        _c("requested_at", "TIMESTAMP", "REQUIRED"),
        _c("completed_at", "TIMESTAMP"),
        _c("status", "STRING", "REQUIRED", "running | ready | failed"),
        _c("language", "STRING"),
        _c("genre", "STRING"),
        _c("reader_age", "INT64"),
        _c("chapters", "INT64"),
        _c("words", "INT64"),
        _c("cost_usd", "FLOAT64"),
        _c("formats", "STRING", "REPEATED", "epub | pdf | html | md"),
        _c("quality_passed", "BOOL"),
    ), "One row per book outcome (append-only; latest row per book_id wins).", "requested_at", ("status",)),
}

REFERENCE_TABLES: dict[str, Table] = {
    "model_prices": Table("model_prices", (
        _c("model", "STRING", "REQUIRED"),
        _c("input_usd_per_1m", "FLOAT64", "REQUIRED"),
        _c("cached_usd_per_1m", "FLOAT64", "REQUIRED"),
        _c("output_usd_per_1m", "FLOAT64", "REQUIRED"),
    ), "USD per 1M tokens by model, copied from the `prices` setting."),
}

STATUSES: dict[tuple[str, str], frozenset[str]] = {
    ("llm_calls", "status"): frozenset({"ok", "reused", "failed"}),
    ("step_runs", "status"): frozenset({"succeeded", "failed"}),
    ("books", "status"): frozenset({"running", "ready", "failed"}),
}

# Views in creation order: a view may read the tables and the views before it.
VIEWS: tuple[str, ...] = (
    "books_latest",
    "book_success_rate",
    "step_success_rate",
    "step_durations",
    "token_usage",
    "cost_per_book",
    "cost_per_day",
    "cost_per_model",
    "cache_savings",
    "user_patterns",
)


def create_table_sql(table: Table, dataset: str) -> str:
    """`CREATE TABLE IF NOT EXISTS` in BigQuery SQL (the DuckDB adapter transpiles it)."""
    return f"CREATE TABLE IF NOT EXISTS {dataset}.{table.name} (" + ", ".join(
        column_sql(c) for c in table.columns) + ")"


def column_sql(column: Column) -> str:
    """One column definition in BigQuery DDL: `name TYPE [NOT NULL]` or `name ARRAY<TYPE>`."""
    if column.mode == "REPEATED":
        return f"{column.name} ARRAY<{column.type}>"
    return f"{column.name} {column.type}" + (" NOT NULL" if column.mode == "REQUIRED" else "")


def view_sql(name: str, dataset: str) -> str:
    """The view's `CREATE OR REPLACE VIEW` statement (BigQuery SQL) with the dataset filled in."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; known: {', '.join(VIEWS)}")
    text = resources.files("bookgen.analytics").joinpath("sql", f"{name}.sql").read_text("utf-8")
    return text.replace(DATASET_PLACEHOLDER, dataset)
