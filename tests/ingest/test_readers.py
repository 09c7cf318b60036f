"""Each reader loads the same tiny badge export to the same curated rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integritas.ingest.layout import curated_files
from integritas.ingest.models import BatchStatus
from integritas.ingest.service import ingest_path, ingest_sql
from integritas.settings import IngestSettings, Workspace


def _curated(ws: Workspace) -> list[tuple]:
    files = [str(f) for f in curated_files(ws, "badge_access")]
    return (
        duckdb.connect()
        .execute(
            f"SELECT event_id, person_id, event_time, _row_number FROM read_parquet({files}) ORDER BY 4"
        )
        .fetchall()
    )


def test_csv(ws: Workspace, badge_csv, strict: IngestSettings) -> None:
    r = ingest_path(ws, badge_csv(), settings=strict).results[0]
    assert r.status is BatchStatus.COMMITTED and r.rows_loaded == 5
    rows = _curated(ws)
    assert [x[3] for x in rows] == [1, 2, 3, 4, 5]
    assert all(x[1].startswith("P-") and len(x[1]) == 14 for x in rows)


def test_parquet_jsonl_xlsx_sql_agree_with_csv(
    ws: Workspace, tmp_path: Path, badge_csv, strict: IngestSettings, kit
) -> None:
    rows = kit.rows()
    ingest_path(ws, badge_csv(rows), settings=strict)
    expected = _curated(ws)
    for kind in ("parquet", "jsonl", "xlsx", "sql"):
        other = Workspace.from_settings(tmp_path / f"home-{kind}")
        path = tmp_path / f"badge_access.{kind}"
        if kind == "parquet":
            duckdb.connect().execute(
                f"COPY (SELECT * FROM read_csv('{badge_csv(rows)}', all_varchar=true)) "
                f"TO '{path}' (FORMAT parquet)"
            )
        elif kind == "jsonl":
            path.write_text(
                "\n".join(json.dumps(dict(zip(kit.header, r, strict=True))) for r in rows)
            )
        elif kind == "xlsx":
            wb = openpyxl.Workbook()
            sheet = wb.active
            assert sheet is not None
            sheet.append(kit.header)
            for r in rows:
                sheet.append(r)
            wb.save(path)
        if kind == "sql":
            db = tmp_path / "hr.sqlite"
            with sqlite3.connect(db) as c:
                c.execute(f"CREATE TABLE swipes ({', '.join(kit.header)})")
                c.executemany(f"INSERT INTO swipes VALUES ({', '.join('?' * 7)})", rows)
            report = ingest_sql(
                other,
                f"sqlite:///{db}",
                "SELECT * FROM swipes",
                source="badge_access",
                settings=strict,
            )
        else:
            report = ingest_path(other, path, settings=strict)
        assert report.exit_code == 0, (kind, report)
        # Same key file -> same pseudonyms; copy it so the comparison is exact.
        got = [(x[0], x[2], x[3]) for x in _curated(other)]
        assert got == [(x[0], x[2], x[3]) for x in expected], kind


def test_sql_errors_are_messages(ws: Workspace, tmp_path: Path, strict: IngestSettings) -> None:
    report = ingest_sql(ws, "nosuchdb://x", "SELECT 1", source="badge_access", settings=strict)
    assert report.exit_code == 2 and "database URL" in report.results[0].message
    db = tmp_path / "e.sqlite"
    sqlite3.connect(db).close()
    report = ingest_sql(ws, f"sqlite:///{db}", "SELECT * FROM nope", source="badge_access")
    assert report.exit_code == 2 and "sql query failed" in report.results[0].message


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_row_numbers_follow_file_order_at_scale(ws: Workspace, tmp_path: Path, suffix: str) -> None:
    """Large exports are read in parallel; lineage row numbers must still be file order."""
    n = 800_000 if suffix == "csv" else 200_000  # the CSV spans several 32 MB read buffers
    bad = n - 123
    path = tmp_path / f"badge_access.{suffix}"
    fmt = "(HEADER true)" if suffix == "csv" else "(FORMAT json)"
    duckdb.connect().execute(
        f"""COPY (SELECT 'E' || i AS event_id, 'SN' || (i % 977) AS staff_number,
                   'HQ' AS site_code, 'R' || (i % 7) AS reader_id,
                   CASE WHEN i = {bad - 1} THEN 'never'
                        ELSE CAST(TIMESTAMP '2024-01-01' + to_seconds(i) AS VARCHAR) END
                     AS event_time,
                   'in' AS direction, 'granted' AS result
            FROM range({n}) t(i)) TO '{path}' {fmt}"""
    )
    r = ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=0.01)).results[0]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (n, n - 1, 1), r
    assert [(q.row, q.column) for q in r.quarantine_sample] == [(bad, "event_time")]
    files = [str(f) for f in curated_files(ws, "badge_access")]
    wrong = (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FILTER (WHERE event_id <> 'E' || (_row_number - 1)), count(*) "
            f"FROM read_parquet({files})"
        )
        .fetchone()
    )
    assert wrong == (0, n - 1)
