"""Validation reasons, tolerance, clear errors for bad files, inactive sources."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from integritas.catalog.models import Proportionality
from integritas.catalog.registry import catalog
from integritas.ingest.batch import ingest_export
from integritas.ingest.errors import IngestError
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.location import Geofences
from integritas.ingest.models import BatchStatus
from integritas.ingest.readers import read_file
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace


def test_reasons_name_file_row_column(ws: Workspace, badge_csv, kit, lenient) -> None:
    rows = kit.rows(6)
    rows[1][4] = "yesterday"
    rows[2][1] = ""
    rows[4][6] = "GRANTED"  # code lists are matched case-insensitively
    r = ingest_path(ws, badge_csv(rows), settings=lenient).results[0]
    assert r.status is BatchStatus.COMMITTED
    assert [(q.file, q.row, q.column, q.reason) for q in r.quarantine_sample] == [
        ("badge_access.csv", 2, "event_time", "not a valid timestamp"),
        ("badge_access.csv", 3, "staff_number", "missing required value"),
    ]
    assert r.rows_loaded == 4
    with (ws.home / (r.quarantine_file or "")).open() as fh:
        q = list(csv.DictReader(fh))
    assert q[0] == {
        "file": "badge_access.csv",
        "row": "2",
        "column": "event_time",
        "value": "yesterday",
        "reason": "not a valid timestamp",
    }


def test_over_tolerance_commits_nothing(ws: Workspace, badge_csv, kit, strict) -> None:
    assert (
        ingest_path(
            ws, badge_csv(name="first.csv"), source="badge_access", settings=strict
        ).exit_code
        == 0
    )
    before = sorted(p.name for p in ws.home.rglob("*.parquet"))
    rows = kit.rows(4, start=10)
    rows[0][5] = "sideways"
    report = ingest_path(ws, badge_csv(rows), settings=strict)
    r = report.results[0]
    assert report.exit_code == 1 and r.status is BatchStatus.REJECTED
    assert (ws.home / (r.quarantine_file or "")).exists()
    assert sorted(p.name for p in ws.home.rglob("*.parquet")) == before
    assert len(manifests(ws)) == 1
    # Within tolerance: good rows go in, the bad one is quarantined, exit 0.
    report = ingest_path(ws, badge_csv(rows), settings=IngestSettings(quarantine_tolerance=0.25))
    assert report.exit_code == 0 and report.results[0].rows_loaded == 3


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"event_id,staff_number\nE1,SN1\n", "missing required column 'site_code'"),
        (b"event_id,staff_number,site_code\n\xff\xfe\x00bad,\xc3\x28,x\n", "cannot be read"),
    ],
)
def test_bad_files_give_messages(ws: Workspace, exports: Path, content: bytes, needle: str) -> None:
    path = exports / "badge_access.csv"
    path.write_bytes(content)
    report = ingest_path(ws, path)
    assert report.exit_code == 2
    assert needle in "\n".join(report.results[0].problems)
    assert not list(ws.curated.rglob("*.parquet"))


def test_unknown_source_and_missing_path(ws: Workspace, exports: Path, kit) -> None:
    p = kit.write_csv(exports / "mystery.csv", ["a"], [["1"]])
    assert "unknown source 'mystery'" in ingest_path(ws, p).results[0].message
    assert ingest_path(ws, exports / "nope.csv").exit_code == 2
    # in a folder, a file that feeds no source is listed as skipped, not a failure
    report = ingest_path(ws, exports)
    assert [r.status for r in report.results] == ["skipped"] and report.exit_code == 0


def test_booleans_and_ranges(ws: Workspace, exports: Path, kit, lenient) -> None:
    src = catalog()["training"]
    names = [f.name for f in src.fields]
    assert "mandatory" in names
    base = {f.name: "x" for f in src.fields}
    base.update(staff_number="SN1", due_date="2024-01-01", completed_date="2024-01-02")
    rows = []
    for word in ("TRUE", "no", "Y", "0", "maybe"):
        row = dict(base, mandatory=word)
        rows.append([row[n] for n in names])
    kit.write_csv(exports / "training.csv", names, rows)
    r = ingest_path(ws, exports / "training.csv", settings=lenient).results[0]
    assert r.rows_loaded == 4 and r.quarantine_sample[0].row == 5
    files = [str(f) for f in curated_files(ws, "training")]
    got = (
        duckdb.connect()
        .execute(f"SELECT mandatory FROM read_parquet({files}) ORDER BY _row_number")
        .fetchall()
    )
    assert got == [(True,), (False,), (True,), (False,)]


def test_inactive_source_is_refused(ws: Workspace, badge_csv) -> None:
    src = catalog()["badge_access"].model_copy(
        update={"proportionality": Proportionality(objective="x", rational_connection="y")}
    )
    con = duckdb.connect()
    with pytest.raises(IngestError, match=r"inactive.*less_intrusive_alternative"):
        ingest_export(
            ws,
            con,
            read_file(con, badge_csv()),
            src,
            None,
            settings=IngestSettings(),
            geofences=Geofences(),
        )


def test_header_only_export_is_skipped_not_failed(ws: Workspace, exports: Path) -> None:
    path = exports / "badge_access.csv"
    path.write_bytes(b"event_id,staff_number,site_code,reader_id,event_time,direction,result\n")
    report = ingest_path(ws, path)
    assert report.exit_code == 0
    assert report.results[0].status == "skipped"
    assert "no data rows" in report.results[0].message
    assert not manifests(ws)
