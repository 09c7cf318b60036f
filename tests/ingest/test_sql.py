"""SQL reader: a query against SQLite and PostgreSQL (skipped when it does not answer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.models import BatchStatus
from integritas.ingest.service import ingest_sql
from integritas.settings import IngestSettings, Workspace

# A foreign system's table: its own column names and native types.
MAPPING = """
source: badge_access
columns:
  event_id: "swipe_ref"
  staff_number: "emp_no"
  site_code: "site"
  reader_id: "door"
  event_time: "swiped_at"
  direction: {from: "dir", codes: {"I": in, "O": out}}
  result: {from: "outcome", codes: {"OK": granted, "NO": denied}}
"""
ROWS = [
    ("S1", "SN0001", "HQ", "D1", dt.datetime(2024, 3, 1, 8, 0), "I", "OK"),
    ("S2", "SN0002", "HQ", "D2", dt.datetime(2024, 3, 1, 9, 30), "O", "NO"),
    ("S3", "SN0001", "HQ", "D1", None, "I", "OK"),  # no time: quarantined
]


@pytest.fixture
def database(sql_url: str, foreign_table: Callable[..., str]) -> tuple[str, str]:
    """(SQLAlchemy URL, table name) holding ROWS."""
    strings = ("swipe_ref", "emp_no", "site", "door")
    columns = [sa.Column(c, sa.String) for c in strings]
    columns += [sa.Column("swiped_at", sa.DateTime)]
    columns += [sa.Column(c, sa.String) for c in ("dir", "outcome")]
    keys = [c.name for c in columns]
    return sql_url, foreign_table(columns, [dict(zip(keys, r, strict=True)) for r in ROWS])


def test_sql_query_with_mapping(ws: Workspace, tmp_path: Path, database: tuple[str, str]) -> None:
    url, table = database
    mapping = tmp_path / "door.yaml"
    mapping.write_text(MAPPING)
    query = f"SELECT * FROM {table} ORDER BY swipe_ref"
    settings = IngestSettings(quarantine_tolerance=0.5, operator="tester")
    report = ingest_sql(ws, url, query, source="badge_access", mapping=mapping, settings=settings)
    r = report.results[0]
    assert r.status is BatchStatus.COMMITTED, r
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert [(q.row, q.column, q.reason) for q in r.quarantine_sample] == [
        (3, "swiped_at -> event_time", "missing required value")
    ]
    files = [str(f) for f in curated_files(ws, "badge_access")]
    got = (
        duckdb.connect()
        .execute(
            f"SELECT event_id, event_time, direction, result, _row_number "
            f"FROM read_parquet({files}) ORDER BY _row_number"
        )
        .fetchall()
    )
    assert got == [
        ("S1", dt.datetime(2024, 3, 1, 8, 0), "in", "granted", 1),
        ("S2", dt.datetime(2024, 3, 1, 9, 30), "out", "denied", 2),
    ]
    assert manifests(ws)[0]["file"] == "sql query"
    # The same query over unchanged data is the same export: a no-op.
    again = ingest_sql(ws, url, query, source="badge_access", mapping=mapping, settings=settings)
    assert again.results[0].status is BatchStatus.NO_OP
    assert len(manifests(ws)) == 1


def test_sql_bad_query_stores_nothing(ws: Workspace, database: tuple[str, str]) -> None:
    url, table = database
    report = ingest_sql(ws, url, f"SELECT nope FROM {table}", source="badge_access")
    r = report.results[0]
    assert r.status is BatchStatus.FAILED and "sql query failed" in r.message
    assert "Traceback" not in r.message
    assert manifests(ws) == [] and not any(ws.curated.rglob("*.parquet"))
