"""The BigQuery table schemas of `terraform/schemas/<table>.json`, derived from `bookgen.analytics.schema`.

`python -m tests.terraform.schemas` rewrites the files; `test_module.py` fails when they drift from schema.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bookgen.analytics.schema import REFERENCE_TABLES, TABLES, Table

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "terraform" / "schemas"


def bigquery_schema(table: Table) -> list[dict[str, str]]:
    """The table's columns as a BigQuery JSON schema (the format `google_bigquery_table.schema` takes)."""
    fields = []
    for c in table.columns:
        field = {"name": c.name, "type": c.type, "mode": c.mode}
        if c.description:
            field["description"] = c.description
        fields.append(field)
    return fields


def render(table: Table) -> str:
    return json.dumps(bigquery_schema(table), indent=2, ensure_ascii=False) + "\n"


def all_tables() -> dict[str, Table]:
    return {**TABLES, **REFERENCE_TABLES}


def main() -> int:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name, table in all_tables().items():
        path = SCHEMA_DIR / f"{name}.json"
        path.write_text(render(table), encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
