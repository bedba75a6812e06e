"""BigQueryAnalytics through the real `google.cloud.bigquery.Client` against a local recording fake of the REST
API (docs/local-stand-ins.md, BigQuery route 2): exact insertAll payloads, insertErrors, bounded retries of a
500, query requests and typed rows. Then the views: the BigQuery text the adapter would send parses as BigQuery
and, transpiled to DuckDB by this test, gives the same rows as the DuckDB adapter on the same seeded data."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import sqlglot
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery import DEFAULT_RETRY
from pytest_httpserver import HTTPServer
from sqlglot import exp
from werkzeug import Request, Response

from bookgen.analytics.bigquery import AnalyticsInsertError, BigQueryAnalytics, insert_id
from bookgen.analytics.duckdb import DuckDBAnalytics
from bookgen.analytics.schema import REFERENCE_TABLES, TABLES, VIEWS, create_table_sql, view_sql
from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from tests.analytics.test_duckdb import BOOKS, CALLS, PRICES, RUNS

PROJECT, DATASET = "test", "ds"
BASE = f"/bigquery/v2/projects/{PROJECT}"
FAST_RETRY = DEFAULT_RETRY.with_deadline(2.0).with_delay(initial=0.05, maximum=0.2)
Handler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class FakeBigQuery:
    """Records every request (method, path, JSON body) and answers with `reply(record) -> (status, body)`."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.requests: list[dict[str, Any]] = []
        self.reply: Handler = lambda record: (200, {})
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        record = {"method": request.method, "path": request.path, "json": json.loads(body) if body else None}
        self.requests.append(record)
        status, answer = self.reply(record)
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def analytics(self, **kwargs: Any) -> BigQueryAnalytics:
        client = bigquery.Client(project=PROJECT, credentials=AnonymousCredentials(),
                                 client_options=ClientOptions(api_endpoint=self.server.url_for("").rstrip("/")))
        kwargs.setdefault("retry", FAST_RETRY)
        return BigQueryAnalytics(PROJECT, DATASET, client, timeout=5.0, query_timeout=5.0, **kwargs)


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeBigQuery:
    return FakeBigQuery(httpserver)


def query_reply(fields: list[dict[str, Any]], rows: list[list[Any]]) -> dict[str, Any]:
    def cell(v: Any) -> Any:
        return {"v": [{"v": x} for x in v]} if isinstance(v, list) else {"v": v}

    return {"kind": "bigquery#queryResponse", "jobComplete": True, "totalRows": str(len(rows)),
            "jobReference": {"projectId": PROJECT, "jobId": "job-1", "location": "US"},
            "schema": {"fields": fields}, "rows": [{"f": [cell(v) for v in row]} for row in rows]}


# ------------------------------------------------------------------------------------------ insert
def test_insert_sends_the_exact_insert_all_payload(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (200, {"kind": "bigquery#tableDataInsertAllResponse"})
    fake.analytics().insert("books", [BOOKS[3], {"book_id": "b9", "requested_at": dt.datetime(2026, 3, 2, 9),
                                                 "status": "running"}])
    (request,) = fake.requests
    assert (request["method"], request["path"]) == ("POST", f"{BASE}/datasets/{DATASET}/tables/books/insertAll")
    first = {"book_id": "b3", "requester": "cli", "requested_at": "2026-03-02T09:00:00.000000Z",
             "completed_at": "2026-03-02T09:03:00.000000Z", "status": "ready", "language": "en",
             "genre": "mystery", "chapters": 2, "words": 1200, "cost_usd": 0.01, "formats": ["epub", "md"],
             "quality_passed": True}  # reader_age None is left out: a missing key is NULL
    second = {"book_id": "b9", "requested_at": "2026-03-02T09:00:00.000000Z", "status": "running",
              "formats": []}  # a naive datetime is UTC
    assert request["json"] == {"rows": [{"json": first, "insertId": insert_id(first)},
                                        {"json": second, "insertId": insert_id(second)}]}
    assert re.fullmatch(r"[0-9a-f]{64}", insert_id(first))


def test_insert_ids_are_deterministic_so_a_resent_batch_dedupes(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (200, {})
    analytics = fake.analytics()
    analytics.insert("llm_calls", CALLS[:3])
    analytics.insert("llm_calls", CALLS[:3])
    ids = [[row["insertId"] for row in r["json"]["rows"]] for r in fake.requests]
    assert ids[0] == ids[1] and len(set(ids[0])) == 3
    assert fake.requests[0]["json"]["rows"][0]["json"]["ts"] == "2026-03-01T10:00:30.000000Z"


def test_insert_errors_raise_naming_table_row_and_reason(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (200, {"insertErrors": [
        {"index": 0, "errors": [{"reason": "stopped", "location": "", "message": ""}]},
        {"index": 1, "errors": [{"reason": "invalid", "location": "genre", "message": "no such field: genre."}]},
    ]})
    with pytest.raises(AnalyticsInsertError) as info:
        fake.analytics().insert("books", BOOKS[:2])
    message = str(info.value)
    assert "books row 1 (book_id='b2'): invalid at genre: no such field: genre." in message
    assert "none written" in message and isinstance(info.value, UpstreamPermanent)
    assert info.value.errors[1]["index"] == 1


def test_insert_errors_in_a_later_batch_count_rows_from_the_first(fake: FakeBigQuery,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bookgen.analytics.bigquery.BATCH_ROWS", 2)
    fake.reply = lambda record: (200, {"insertErrors": [{"index": 0, "errors": [{"reason": "invalid"}]}]}
                                 if len(fake.requests) == 2 else {})
    with pytest.raises(AnalyticsInsertError, match="step_runs row 2 "):
        fake.analytics().insert("step_runs", RUNS[:3])
    assert [len(r["json"]["rows"]) for r in fake.requests] == [2, 1]


def test_bad_rows_are_rejected_before_anything_is_sent(fake: FakeBigQuery) -> None:
    with pytest.raises(ValueError, match="'colour'"):
        fake.analytics().insert("books", [BOOKS[0], {**BOOKS[1], "colour": "red"}])
    with pytest.raises(ValueError, match="llm_calls.status"):
        fake.analytics().insert("llm_calls", [{**CALLS[0], "status": "succeeded"}])
    with pytest.raises(ValueError, match="'model_prices'"):
        fake.analytics().insert("model_prices", [{"model": "x"}])
    fake.analytics().insert("books", [])
    assert fake.requests == []


def test_a_500_is_retried_within_the_deadline_then_surfaces(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (500, {"error": {"code": 500, "message": "backend boom", "errors": [
        {"reason": "backendError", "message": "backend boom"}]}})
    started = time.monotonic()
    with pytest.raises(UpstreamTransient, match="gave up after retries") as info:
        fake.analytics().insert("step_runs", RUNS[:1])
    assert time.monotonic() - started < 10
    assert len(fake.requests) >= 2  # retried, and bounded by the 2 s deadline
    assert "backend boom" in str(info.value) and info.value.__cause__ is not None


@pytest.mark.parametrize(("status", "reason", "error"), [
    (404, "notFound", ConfigError), (403, "accessDenied", ConfigError), (400, "invalid", UpstreamPermanent)])
def test_permanent_http_errors_are_not_retried(fake: FakeBigQuery, status: int, reason: str,
                                               error: type[Exception]) -> None:
    fake.reply = lambda record: (status, {"error": {"code": status, "message": f"{reason}!", "errors": [
        {"reason": reason, "message": f"{reason}!"}]}})
    with pytest.raises(error, match=f"HTTP {status}"):
        fake.analytics().insert("step_runs", RUNS[:1])
    assert len(fake.requests) == 1


# ------------------------------------------------------------------------------------------ query
def test_query_sends_sql_and_typed_parameters_and_parses_rows(fake: FakeBigQuery) -> None:
    fields = [{"name": "book_id", "type": "STRING", "mode": "NULLABLE"}, {"name": "n", "type": "INTEGER"},
              {"name": "cost", "type": "FLOAT"}, {"name": "hit", "type": "BOOLEAN"},
              {"name": "ts", "type": "TIMESTAMP"}, {"name": "day", "type": "DATE"},
              {"name": "formats", "type": "STRING", "mode": "REPEATED"}]
    fake.reply = lambda record: (200, query_reply(fields, [
        ["b1", "2", "0.5", "true", "1772359230000000", "2026-03-01", ["epub", "pdf"]],
        ["b2", "1", None, "false", None, None, []]]))
    rows = fake.analytics().query(
        "SELECT book_id, COUNT(*) AS n FROM ${dataset}.llm_calls WHERE ts >= @since AND model = @model "
        "AND chapter > @chapter AND cost_usd < @cost AND cache_hit = @hit AND step IN UNNEST(@steps) "
        "GROUP BY book_id",
        {"since": dt.datetime(2026, 3, 1, 10, 1), "model": "m", "chapter": 0, "cost": 1, "hit": False,
         "steps": ["outline", "chapters"]})
    (request,) = fake.requests
    assert request["path"] == f"{BASE}/queries"
    body = request["json"]
    assert body["query"].startswith("SELECT book_id, COUNT(*) AS n FROM `test.ds`.llm_calls WHERE")
    assert body["useLegacySql"] is False and body["parameterMode"] == "NAMED"
    assert body["defaultDataset"] == {"projectId": PROJECT, "datasetId": DATASET}
    assert {p["name"]: (p["parameterType"], p["parameterValue"]) for p in body["queryParameters"]} == {
        "since": ({"type": "TIMESTAMP"}, {"value": "2026-03-01 10:01:00+00:00"}),
        "model": ({"type": "STRING"}, {"value": "m"}),
        "chapter": ({"type": "INT64"}, {"value": "0"}),
        "cost": ({"type": "INT64"}, {"value": "1"}),
        "hit": ({"type": "BOOL"}, {"value": "false"}),
        "steps": ({"type": "ARRAY", "arrayType": {"type": "STRING"}},
                  {"arrayValues": [{"value": "outline"}, {"value": "chapters"}]}),
    }
    assert rows == [
        {"book_id": "b1", "n": 2, "cost": 0.5, "hit": True, "ts": dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=dt.UTC),
         "day": dt.date(2026, 3, 1), "formats": ["epub", "pdf"]},
        {"book_id": "b2", "n": 1, "cost": None, "hit": False, "ts": None, "day": None, "formats": []},
    ]


def test_float_and_date_parameters(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (200, query_reply([{"name": "x", "type": "INTEGER"}], []))
    assert fake.analytics().query("SELECT 1 AS x WHERE @f > 0 AND @d < CURRENT_DATE() AND 1 IN UNNEST(@xs)",
                                  {"f": 0.5, "d": dt.date(2026, 1, 2), "xs": [1, 2.5]}) == []
    params = {p["name"]: p for p in fake.requests[0]["json"]["queryParameters"]}
    assert params["f"]["parameterType"] == {"type": "FLOAT64"}
    assert params["d"]["parameterValue"] == {"value": "2026-01-02"}
    assert params["xs"]["parameterType"] == {"type": "ARRAY", "arrayType": {"type": "FLOAT64"}}


def test_query_parameters_must_match_and_be_typable(fake: FakeBigQuery) -> None:
    analytics = fake.analytics()
    with pytest.raises(ValueError, match=r"missing \['model'\]"):
        analytics.query("SELECT 1 AS x FROM llm_calls WHERE model = @model")
    with pytest.raises(ValueError, match=r"unused \['extra'\]"):
        analytics.query("SELECT 1 AS x", {"extra": 1})
    with pytest.raises(ValueError, match="BigQuery SQL"):
        analytics.query("SELECT FROM WHERE (")
    with pytest.raises(ValueError, match="@x"):
        analytics.query("SELECT @x AS x", {"x": None})
    assert fake.requests == []


def test_a_rejected_query_is_upstream_permanent(fake: FakeBigQuery) -> None:
    fake.reply = lambda record: (400, {"error": {"code": 400, "message": "Unrecognized name: nope", "errors": [
        {"reason": "invalidQuery", "message": "Unrecognized name: nope"}]}})
    with pytest.raises(UpstreamPermanent, match="Unrecognized name: nope"):
        fake.analytics().query("SELECT nope FROM llm_calls")


def test_client_is_created_once_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, Any]] = []

    class Client:
        def __init__(self, **kwargs: Any):
            made.append(kwargs)

    monkeypatch.setattr(bigquery, "Client", Client)
    analytics = BigQueryAnalytics("p", "d")
    assert made == []
    assert analytics.client is analytics.client
    assert made == [{"project": "p", "location": None}]
    with pytest.raises(ConfigError, match="BOOKGEN_BQ_DATASET"):
        BigQueryAnalytics("p", "")


# ------------------------------------------------------------------------------------------ stats end to end
def seeded_duckdb(tmp_path: Any) -> DuckDBAnalytics:
    db = DuckDBAnalytics(tmp_path / "seed.duckdb", prices=PRICES)
    db.insert("llm_calls", CALLS)
    db.insert("step_runs", RUNS)
    db.insert("books", BOOKS)
    return db


def bigquery_rows(cursor: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A DuckDB result in the shape of a jobs.query response (types inferred from the values)."""
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()

    def kind(i: int) -> str:
        sample = next((r[i] for r in rows if r[i] is not None), None)
        return {bool: "BOOLEAN", int: "INTEGER", float: "FLOAT", Decimal: "FLOAT", dt.date: "DATE",
                dt.datetime: "TIMESTAMP"}.get(type(sample), "STRING")

    def encode(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return str(int(v.timestamp() * 1_000_000))
        return None if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    fields = [{"name": n, "type": kind(i), "mode": "NULLABLE"} for i, n in enumerate(names)]
    return query_reply(fields, [[encode(v) for v in row] for row in rows])


def test_stats_through_the_rest_api_equal_the_duckdb_adapters(fake: FakeBigQuery, tmp_path: Any) -> None:
    """The fake answers each query by running its SQL (as received) on the seeded DuckDB file."""
    db = seeded_duckdb(tmp_path)

    def answer(record: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        sql = record["json"]["query"].replace(f"`{PROJECT}.{DATASET}`", "main")
        statement = sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]
        return 200, bigquery_rows(db._con.execute(statement))

    fake.reply = answer
    assert fake.analytics().stats() == db.stats()
    assert len(fake.requests) == 5
    assert all("`test.ds`." in r["json"]["query"] for r in fake.requests)


def test_ensure_schema_creates_partitioned_tables_and_views(fake: FakeBigQuery) -> None:
    def answer(record: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if record["path"].endswith("/queries"):
            return 200, {"kind": "bigquery#queryResponse", "jobComplete": True, "totalRows": "0",
                         "jobReference": {"projectId": PROJECT, "jobId": "ddl"}}
        return 200, record["json"]

    fake.reply = answer
    fake.analytics().ensure_schema()
    tables = [r["json"] for r in fake.requests if r["path"].endswith("/tables")]
    assert [t["tableReference"]["tableId"] for t in tables] == [*TABLES, *REFERENCE_TABLES]
    books = tables[2]
    assert books["timePartitioning"] == {"type": "DAY", "field": "requested_at"}
    assert books["clustering"] == {"fields": ["status"]}
    assert {"name": "formats", "type": "STRING", "mode": "REPEATED", "description": "epub | pdf | html | md"} \
        in books["schema"]["fields"]
    views = [r["json"]["query"] for r in fake.requests if r["path"].endswith("/queries")]
    assert [v.split("VIEW ")[1].split(" ")[0] for v in views] == [f"`test.ds`.{name}" for name in VIEWS]


# ------------------------------------------------------------------------------------------ views
def bigquery_view(name: str) -> exp.Create:
    """The view's statement exactly as this adapter would send it, parsed as BigQuery."""
    tree = sqlglot.parse_one(view_sql(name, f"`{PROJECT}.{DATASET}`"), read="bigquery",
                             error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Create)
    return tree


@pytest.mark.parametrize("name", VIEWS)
def test_view_sql_parses_as_bigquery_in_the_dataset(name: str) -> None:
    tree = bigquery_view(name)
    assert (tree.this.catalog, tree.this.db, tree.this.name) == (PROJECT, DATASET, name)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    tables = [t for t in tree.expression.find_all(exp.Table) if t.name not in ctes and t.name
              and not isinstance(t.parent, exp.Unnest) and not isinstance(t.this, exp.Unnest)]
    assert tables and all((t.catalog, t.db) == (PROJECT, DATASET) for t in tables)


def normalize(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def value(v: Any) -> Any:
        if isinstance(v, (float, Decimal)):
            return round(float(v), 9) if math.isfinite(float(v)) else str(v)
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_views_transpiled_here_match_the_duckdb_adapter(tmp_path: Any) -> None:
    """Run the BigQuery text (dataset `test.ds`) through sqlglot → DuckDB into a schema of our own, over a
    copy of the seeded rows, and compare every view with the adapter's."""
    db = seeded_duckdb(tmp_path)
    con = db._con
    con.execute("CREATE SCHEMA mine")
    for table in (*TABLES.values(), *REFERENCE_TABLES.values()):
        con.execute(sqlglot.transpile(create_table_sql(table, "mine"), read="bigquery", write="duckdb")[0])
        con.execute(f"INSERT INTO mine.{table.name} SELECT * FROM main.{table.name}")

    def to_mine(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and (node.catalog, node.db) == (PROJECT, DATASET):
            return exp.table_(node.name, db="mine", alias=node.alias or None)
        return node

    compared = 0
    for name in VIEWS:
        tree = bigquery_view(name).transform(to_mine)
        con.execute(tree.sql(dialect="duckdb"))
        ours = con.execute(f"SELECT * FROM mine.{name}")
        our_columns = [d[0] for d in ours.description]
        our_rows = ours.fetchall()
        theirs = db.query(f"SELECT * FROM ${{dataset}}.{name}")
        assert our_columns == list(theirs[0]), name
        assert normalize(our_rows) == normalize([tuple(r.values()) for r in theirs]), name
        compared += len(our_rows)
    assert compared > 30  # the seed reaches every view
