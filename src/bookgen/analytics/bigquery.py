"""`BigQueryAnalytics`: the analytics port on a BigQuery dataset (DESIGN §6, the cloud twin of `duckdb.py`).

    analytics = BigQueryAnalytics("my-project", "bookgen")        # client created on first use
    analytics.insert("llm_calls", rows)                            # streaming insert (insertAll)
    analytics.query("SELECT * FROM ${dataset}.cost_per_day WHERE day >= @since", {"since": date})

Rows are validated exactly as the DuckDB adapter validates them (same functions), then sent with
`insert_rows_json` and a deterministic `insertId` per row (sha256 of the row), so a re-sent batch is
de-duplicated by BigQuery on a best-effort basis (about a minute). The returned per-row `insertErrors` are
checked: a rejected batch raises `AnalyticsInsertError` naming the table, the row and the reason; nothing of
the batch was written (rows BigQuery did not object to are "stopped").

Queries are BigQuery SQL: `${dataset}` becomes `` `project.dataset` `` and unqualified table names resolve in
the dataset too (it is the query's default dataset); `@name` parameters become typed query parameters.

Errors follow bookgen's tree: the client library's retry (`retry`, bounded by its deadline) is the one retry
owner for 429/5xx and network errors; when it gives up the error surfaces as `UpstreamTransient`. 401/403/404
(a missing dataset or grant) are `ConfigError`; other rejections `UpstreamPermanent`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any, NoReturn

from bookgen.analytics.duckdb import _row_values, summarize, to_duckdb, to_timestamp
from bookgen.analytics.schema import DATASET_PLACEHOLDER, REFERENCE_TABLES, TABLES, VIEWS, Table, view_sql
from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient

if TYPE_CHECKING:
    from google.api_core.retry import Retry
    from google.cloud import bigquery

BATCH_ROWS = 500  # rows per insertAll request (BigQuery recommends ~500; hard limits 50k rows / 10 MB)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # what the client library itself sends for a datetime
_TRANSIENT_CODES = frozenset({408, 429, 500, 502, 503, 504})
_CONFIG_CODES = frozenset({401, 403, 404})


class AnalyticsInsertError(UpstreamPermanent):
    """BigQuery rejected rows of an insert (`insertErrors`); `errors` is the client's list of
    `{"index": n, "errors": [{"reason", "location", "message"}]}`, indexes relative to the whole call."""

    def __init__(self, table: str, rows: list[dict[str, Any]], errors: list[dict[str, Any]]):
        self.table = table
        self.errors = errors
        rejected = [e for e in errors if any(x.get("reason") != "stopped" for x in e.get("errors", []))]
        shown = rejected[:3] or errors[:3]
        parts = [_describe(table, rows, e) for e in shown]
        more = len(errors) - len(shown)
        super().__init__(f"BigQuery rejected the insert into {table} ({len(rows)} rows, none written): "
                         + "; ".join(parts) + (f"; and {more} more row(s)" if more > 0 else ""))


class BigQueryAnalytics:
    """Analytics in the BigQuery dataset `project.dataset`; tables and views come from Terraform or
    `ensure_schema()`. `client` (a `google.cloud.bigquery.Client`) is created on first use when not given.

    `timeout` bounds each HTTP request; `query_timeout` bounds waiting for a query; `retry` is the client
    library's retry policy (default: its `DEFAULT_RETRY` with a `retry_deadline` deadline).
    """

    def __init__(self, project: str, dataset: str, client: bigquery.Client | None = None, *,
                 timeout: float = 30.0, query_timeout: float = 300.0, retry_deadline: float = 60.0,
                 retry: Retry | None = None, location: str | None = None):
        if not project or not dataset:
            raise ConfigError("BigQuery analytics needs a project and a dataset "
                              "(BOOKGEN_GCP_PROJECT, BOOKGEN_BQ_DATASET)")
        self.project, self.dataset, self.location = project, dataset, location
        self.timeout, self.query_timeout = timeout, query_timeout
        self._retry, self._retry_deadline = retry, retry_deadline
        self._client = client
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BigQueryAnalytics({self.project!r}, {self.dataset!r})"

    @property
    def qualified(self) -> str:
        """What `${dataset}` stands for in SQL: `` `project.dataset` ``."""
        return f"`{self.project}.{self.dataset}`"

    @property
    def client(self) -> bigquery.Client:
        """The one client of this adapter, created lazily (thread-safe)."""
        with self._lock:
            if self._client is None:
                from google.cloud import bigquery

                self._client = bigquery.Client(project=self.project, location=self.location)
            return self._client

    @property
    def retry(self) -> Retry:
        if self._retry is None:
            from google.cloud.bigquery import DEFAULT_RETRY

            self._retry = DEFAULT_RETRY.with_deadline(self._retry_deadline)
        return self._retry

    # ---------------------------------------------------------------------------------------------- port
    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Validate `rows` like the DuckDB adapter (ValueError/TypeError naming table, row and column), then
        stream them in; raises AnalyticsInsertError when BigQuery rejects rows."""
        spec = TABLES.get(table)
        if spec is None:
            raise ValueError(f"unknown analytics table {table!r}; known: {', '.join(TABLES)}")
        json_rows = [json_row(spec, _row_values(spec, row, i)) for i, row in enumerate(rows)]
        for start in range(0, len(json_rows), BATCH_ROWS):
            batch = json_rows[start:start + BATCH_ROWS]
            try:
                errors = self.client.insert_rows_json(
                    f"{self.project}.{self.dataset}.{table}", batch, row_ids=[insert_id(r) for r in batch],
                    retry=self.retry, timeout=self.timeout)
            except Exception as e:
                _raise_upstream(e, f"insert into {self.project}.{self.dataset}.{table}")
            if errors:
                shifted = [{**e, "index": int(e.get("index", 0)) + start} for e in errors]
                raise AnalyticsInsertError(table, json_rows, shifted)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run BigQuery SQL (`${dataset}` placeholders, `@name` parameters); rows as dicts."""
        from google.cloud import bigquery

        text = sql.replace(DATASET_PLACEHOLDER, self.qualified)
        _, names = to_duckdb(text)  # the same parse (and the same errors) as the DuckDB adapter
        given = set(params or {})
        if given != names:
            missing, extra = sorted(names - given), sorted(given - names)
            raise ValueError(f"query parameters do not match the SQL: missing {missing}, unused {extra}")
        config = bigquery.QueryJobConfig(
            use_legacy_sql=False, default_dataset=f"{self.project}.{self.dataset}", labels={"app": "bookgen"},
            query_parameters=[query_parameter(n, v) for n, v in sorted((params or {}).items())])
        try:
            rows = self.client.query_and_wait(text, job_config=config, location=self.location,
                                              api_timeout=self.timeout, wait_timeout=self.query_timeout,
                                              retry=self.retry,
                                              job_retry=None)  # type: ignore[arg-type]  # None = no job retry
            return [dict(row.items()) for row in rows]
        except Exception as e:
            _raise_upstream(e, "query")

    def stats(self) -> dict[str, Any]:
        """The summary `bookgen stats --json` prints, from the dataset's views (see `duckdb.summarize`)."""
        return summarize(self)

    # ---------------------------------------------------------------------------------------------- schema
    def ensure_schema(self) -> None:
        """Create missing tables (partitioned and clustered as `schema.TABLES` says) and (re)create the
        views. Terraform normally owns these; this is for a fresh dataset or a smoke test."""
        from google.cloud import bigquery

        for spec in (*TABLES.values(), *REFERENCE_TABLES.values()):
            table = bigquery.Table(f"{self.project}.{self.dataset}.{spec.name}", schema=schema_fields(spec))
            table.description = spec.description or None
            if spec.partition_by:
                table.time_partitioning = bigquery.TimePartitioning(field=spec.partition_by)
            if spec.cluster_by:
                table.clustering_fields = list(spec.cluster_by)
            try:
                self.client.create_table(table, exists_ok=True, retry=self.retry, timeout=self.timeout)
            except Exception as e:
                _raise_upstream(e, f"create table {spec.name}")
        for name in VIEWS:
            self.query(view_sql(name, self.qualified))


# -------------------------------------------------------------------------------------------------- helpers
def schema_fields(table: Table) -> list[bigquery.SchemaField]:
    """`schema.TABLES` as BigQuery `SchemaField`s."""
    from google.cloud import bigquery

    return [bigquery.SchemaField(c.name, c.type, mode=c.mode, description=c.description) for c in table.columns]


def json_row(table: Table, values: tuple[Any, ...]) -> dict[str, Any]:
    """Validated values (column order) as an insertAll JSON row; NULLs are left out, timestamps are
    RFC 3339 UTC strings with microseconds."""
    row: dict[str, Any] = {}
    for column, value in zip(table.columns, values, strict=True):
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)
        row[column.name] = value
    return row


def insert_id(row: dict[str, Any]) -> str:
    """Deterministic insertId: sha256 of the row's canonical JSON (same row, same id)."""
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _scalar_type(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, dt.datetime):
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    raise ValueError(f"query parameter @{name}: cannot infer a BigQuery type for {type(value).__name__} "
                     f"{value!r} (use bool, int, float, str, datetime, date or a list of one of them)")


def query_parameter(name: str, value: Any) -> Any:
    """A `ScalarQueryParameter` (INT64, FLOAT64, BOOL, STRING, TIMESTAMP, DATE inferred from the Python
    type; naive datetimes are UTC) or an `ArrayQueryParameter` for a list (an empty list is ARRAY<STRING>)."""
    from google.cloud import bigquery

    if isinstance(value, (list, tuple)):
        types = {_scalar_type(name, v) for v in value} or {"STRING"}
        if types == {"INT64", "FLOAT64"}:
            types = {"FLOAT64"}
        if len(types) != 1:
            raise ValueError(f"query parameter @{name}: mixed element types {sorted(types)}")
        (type_,) = types
        items = [_bind(type_, v) for v in value]
        return bigquery.ArrayQueryParameter(name, type_, items)
    type_ = _scalar_type(name, value)
    return bigquery.ScalarQueryParameter(name, type_, _bind(type_, value))


def _bind(type_: str, value: Any) -> Any:
    if type_ == "TIMESTAMP":
        return to_timestamp(value)
    if type_ == "FLOAT64":
        return float(value)
    return value


def _describe(table: str, rows: list[dict[str, Any]], error: dict[str, Any]) -> str:
    index = int(error.get("index", -1))
    row = rows[index] if 0 <= index < len(rows) else {}
    who = f" (book_id={row['book_id']!r})" if "book_id" in row else ""
    reasons = ", ".join(
        f"{x.get('reason', '?')}" + (f" at {x['location']}" if x.get("location") else "")
        + (f": {x['message']}" if x.get("message") else "")
        for x in error.get("errors", [])) or "no reason given"
    return f"{table} row {index}{who}: {reasons}"


def _raise_upstream(error: Exception, what: str) -> NoReturn:
    """Map a client-library failure to bookgen's error tree (always chained)."""
    import requests
    from google.api_core import exceptions as gexc

    if isinstance(error, gexc.RetryError):
        cause = error.cause if error.cause is not None else error
        raise UpstreamTransient(f"BigQuery {what}: gave up after retries: {cause}") from error
    if isinstance(error, gexc.GoogleAPICallError):
        code = int(error.code or 0)
        if code in _TRANSIENT_CODES or code >= 500:
            raise UpstreamTransient(f"BigQuery {what}: HTTP {code}: {error.message}") from error
        if code in _CONFIG_CODES:
            raise ConfigError(f"BigQuery {what}: HTTP {code}: {error.message} (check the project, the "
                              "dataset and the service account's roles)") from error
        raise UpstreamPermanent(f"BigQuery {what}: HTTP {code}: {error.message}") from error
    if isinstance(error, (requests.exceptions.RequestException, TimeoutError, ConnectionError)):
        raise UpstreamTransient(f"BigQuery {what}: {type(error).__name__}: {error}") from error
    raise error
