"""The analytics port: append rows to the tables of DESIGN §6, query them and the views.

Adapters: `duckdb.py` (local file), later `bigquery.py`. Table columns are in `schema.py`; views are written
once in BigQuery SQL under `sql/` and transpiled for DuckDB.
"""

from __future__ import annotations

from typing import Any, Protocol


class Analytics(Protocol):
    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Append rows; unknown tables or columns raise ValueError; failures are raised, never swallowed."""

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL written in BigQuery's dialect (named parameters as @name); rows as dicts."""
