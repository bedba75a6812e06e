"""The view SQL is written once in BigQuery's dialect: every file parses as BigQuery, names its view after the file,
reads only known tables and earlier views, avoids constructs that do not survive transpiling, and transpiles to
DuckDB SQL that DuckDB accepts. Table DDL from `schema.TABLES` takes the same route."""

from __future__ import annotations

from importlib import resources

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from bookgen.analytics.schema import (
    REFERENCE_TABLES,
    TABLES,
    VIEWS,
    create_table_sql,
    view_sql,
)

DATASET = "`my-project.bookgen`"  # what the BigQuery adapter substitutes for ${dataset}
SQL_DIR = resources.files("bookgen.analytics").joinpath("sql")


def parse(name: str) -> exp.Expression:
    return sqlglot.parse_one(view_sql(name, DATASET), read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)


def test_every_sql_file_is_a_listed_view() -> None:
    files = sorted(p.name[:-4] for p in SQL_DIR.iterdir() if p.name.endswith(".sql"))
    assert files == sorted(VIEWS)
    assert len(set(VIEWS)) == len(VIEWS)


@pytest.mark.parametrize("name", VIEWS)
def test_view_parses_as_bigquery_and_names_itself(name: str) -> None:
    tree = parse(name)
    assert isinstance(tree, exp.Create) and tree.kind == "VIEW" and tree.args.get("replace")
    target = tree.this
    assert (target.catalog, target.db, target.name) == ("my-project", "bookgen", name)
    assert "${dataset}" not in tree.sql("bigquery")


@pytest.mark.parametrize("name", VIEWS)
def test_view_reads_only_tables_and_earlier_views(name: str) -> None:
    known = set(TABLES) | set(REFERENCE_TABLES) | set(VIEWS[: VIEWS.index(name)])
    tree = parse(name)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    for table in tree.expression.find_all(exp.Table):
        if table.name in ctes and not table.db:
            continue
        if isinstance(table.this, exp.Unnest) or isinstance(table.parent, exp.Unnest):
            continue
        assert (table.catalog, table.db) == ("my-project", "bookgen"), f"{table.sql('bigquery')} not in ${{dataset}}"
        assert table.name in known, f"{name} reads {table.name}, which is not created before it"


@pytest.mark.parametrize("name", VIEWS)
def test_view_columns_are_all_named(name: str) -> None:
    select = parse(name).expression
    for projection in select.expressions:
        assert isinstance(projection, (exp.Alias, exp.Column)), projection.sql("bigquery")


@pytest.mark.parametrize("name", VIEWS)
def test_view_avoids_constructs_that_do_not_round_trip(name: str) -> None:
    """See docs/local-stand-ins.md, "SQL portability"."""
    for node in parse(name).walk():
        assert not isinstance(node, exp.ApproxQuantiles), "APPROX_QUANTILES becomes DuckDB's t-digest"
        assert not isinstance(node, exp.StrToTime), "PARSE_TIMESTAMP loses the zone"
        assert not (isinstance(node, exp.Unnest) and node.args.get("offset")), "WITH OFFSET counts from 1"
        assert not (isinstance(node, exp.Extract) and node.name.upper() == "DAYOFWEEK"), "off by one"
        assert not (isinstance(node, exp.ArrayAgg) and node.find(exp.Limit)), "ARRAY_AGG(... LIMIT) fails"
        if isinstance(node, exp.Select):
            assert not any(p.is_star for p in node.expressions), "list the columns, not SELECT *"


@pytest.mark.parametrize("name", VIEWS)
def test_view_round_trips_through_bigquery_sql(name: str) -> None:
    tree = parse(name)
    again = sqlglot.parse_one(tree.sql("bigquery"), read="bigquery")
    assert again == tree


def test_views_transpile_to_duckdb_that_duckdb_accepts() -> None:
    con = duckdb.connect()
    for table in (*TABLES.values(), *REFERENCE_TABLES.values()):
        con.execute(sqlglot.transpile(create_table_sql(table, "main"), read="bigquery", write="duckdb")[0])
    for name in VIEWS:
        duck = sqlglot.transpile(view_sql(name, "main"), read="bigquery", write="duckdb")
        assert len(duck) == 1
        con.execute(duck[0])
        assert con.execute(f"SELECT * FROM main.{name}").fetchall() == []


def test_table_ddl_types() -> None:
    ddl = {name: sqlglot.transpile(create_table_sql(t, "main"), read="bigquery", write="duckdb")[0]
           for name, t in TABLES.items()}
    assert "formats TEXT[]" in ddl["books"]
    assert "requested_at TIMESTAMPTZ NOT NULL" in ddl["books"]
    assert "quality_passed BOOLEAN" in ddl["books"]
    assert "cost_usd DOUBLE NOT NULL" in ddl["llm_calls"]
    assert "chapter BIGINT," in ddl["llm_calls"]
    for table in TABLES.values():  # and the BigQuery DDL itself parses
        sqlglot.parse_one(create_table_sql(table, DATASET), read="bigquery")


def test_tables_match_design_section_6() -> None:
    assert {name: table.column_names for name, table in TABLES.items()} == {
        "llm_calls": ("ts", "book_id", "execution_id", "step", "chapter", "provider", "model", "prompt_tokens",
                      "cached_tokens", "completion_tokens", "latency_ms", "cost_usd", "cache_hit", "attempt",
                      "status", "error"),
        "step_runs": ("ts", "book_id", "execution_id", "step", "attempt", "status", "started_at", "ended_at",
                      "duration_ms", "error_type"),
        "books": ("book_id", "requester", "requested_at", "completed_at", "status", "language", "genre",
                  "reader_age", "chapters", "words", "cost_usd", "formats", "quality_passed"),
    }
    for table in (*TABLES.values(), *REFERENCE_TABLES.values()):
        for column in table.columns:
            assert column.type in {"STRING", "INT64", "FLOAT64", "BOOL", "TIMESTAMP"}
            assert column.mode in {"NULLABLE", "REQUIRED", "REPEATED"}
        if table.partition_by:
            assert table.column(table.partition_by).type == "TIMESTAMP"


def test_why_percentiles_are_not_approx_quantiles() -> None:
    """APPROX_QUANTILES transpiles, but to an estimator that disagrees with the exact PERCENTILE_CONT we use."""
    sql = ("SELECT APPROX_QUANTILES(x, 100)[OFFSET(95)] AS approx, "
           "ANY_VALUE(exact) AS exact FROM (SELECT x, PERCENTILE_CONT(x, 0.95) OVER () AS exact "
           "FROM UNNEST(GENERATE_ARRAY(100, 1000, 100)) AS x)")
    duck = sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]
    assert "APPROX_QUANTILE(" in duck
    approx, exact = duckdb.connect().execute(duck).fetchone()
    assert exact == pytest.approx(955.0)
    assert approx != pytest.approx(exact)


def test_unknown_view_is_an_error() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        view_sql("nope", DATASET)
