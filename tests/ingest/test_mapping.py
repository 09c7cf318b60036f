"""Column mappings: rename, strptime format, code lists, expr, constant, match; file validation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from integritas.ingest.errors import IngestError
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.mapping import parse_mapping
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace

MAPPING = """
source: overtime_claims
match: "payroll_ot_*.csv"
columns:
  claim_id: "Claim Ref"
  staff_number: "Emp No"
  work_date: {from: "Date Worked", format: "%d/%m/%Y"}
  start_time: {from: "Start", format: "%d/%m/%Y %H:%M"}
  end_time: {from: "End", format: "%d/%m/%Y %H:%M"}
  reason_code: {from: "Reason", codes: {"Major Event": major_event, "Sickness cover": staff_shortage}}
  hours: {expr: "round(\\"Mins\\" / 60.0, 2)"}
  submitted_at: {from: "Start", format: "%d/%m/%Y %H:%M"}
  status: {value: approved}
  notes: "Notes"
"""

HEADER = [
    "Claim Ref",
    "Emp No",
    "Date Worked",
    "Start",
    "End",
    "Reason",
    "Mins",
    "Notes",
    "Payroll Code",
]
ROWS = [
    [
        "C1",
        "SN0001",
        "03/02/2024",
        "03/02/2024 18:00",
        "03/02/2024 20:30",
        "Major Event",
        "150",
        "x",
        "PX",
    ],
    [
        "C2",
        "SN0002",
        "04/02/2024",
        "04/02/2024 07:00",
        "04/02/2024 08:00",
        "Sickness cover",
        "60",
        "y",
        "PY",
    ],
]


def _folder(exports: Path, kit, rows: list[list[str]] = ROWS) -> Path:
    (exports / "mappings").mkdir()
    (exports / "mappings" / "payroll.yaml").write_text(MAPPING)
    kit.write_csv(exports / "payroll_ot_2024_02.csv", HEADER, rows)
    return exports


def test_folder_mapping_loads_export_unchanged(
    ws: Workspace, exports: Path, kit, strict: IngestSettings
) -> None:
    report = ingest_path(ws, _folder(exports, kit), settings=strict)
    assert report.exit_code == 0, report
    files = [str(f) for f in curated_files(ws, "overtime_claims")]
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT claim_id, work_date::VARCHAR, start_time::VARCHAR, reason_code, hours, status "
            f"FROM read_parquet({files}) ORDER BY claim_id"
        )
        .fetchall()
    )
    assert rows == [
        ("C1", "2024-02-03", "2024-02-03 18:00:00", "major_event", 2.5, "approved"),
        ("C2", "2024-02-04", "2024-02-04 07:00:00", "staff_shortage", 1.0, "approved"),
    ]
    desc = duckdb.connect().execute(f"SELECT * FROM read_parquet({files})").description
    cols = [d[0] for d in desc or ()]
    # notes is free text without a declared need; Payroll Code is not declared at all.
    assert "notes" not in cols and "staff_number" not in cols and "person_id" in cols
    m = manifests(ws, "overtime_claims")[0]
    assert "Payroll Code" in m["columns_dropped"]
    assert m["mapping"] == "payroll.yaml" and len(m["mapping_sha256"]) == 64


def test_unmapped_code_is_quarantined(ws: Workspace, exports: Path, kit, strict) -> None:
    rows = [ROWS[0], [*ROWS[1][:5], "Boredom", *ROWS[1][6:]]]
    r = ingest_path(ws, _folder(exports, kit, rows), settings=strict).results[0]
    assert r.rows_quarantined == 1
    assert r.quarantine_sample[0].column == "Reason -> reason_code"
    assert r.quarantine_sample[0].value == "Boredom"


def test_bad_mapping_lists_every_problem() -> None:
    text = """
source: overtime_claims
colour: blue
columns:
  nonsense: "X"
  hours: {from: "Mins", expr: "1"}
  work_date: {from: "D", format: "no percent"}
  reason_code: {from: "R", codes: {"a": not_a_code}}
  status: 7
"""
    with pytest.raises(IngestError) as exc:
        parse_mapping(text)
    problems = "\n".join(exc.value.problems)
    for needle in ("colour", "nonsense", "exactly one", "strptime", "not_a_code", "status"):
        assert needle in problems, needle


def test_mapping_for_unknown_source() -> None:
    with pytest.raises(IngestError, match="declared source"):
        parse_mapping("source: nope\ncolumns: {}\n")
