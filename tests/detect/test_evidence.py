"""Evidence rows for flags come from the metrics runner's evidence file, capped per flag."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integritas.detect.evidence import MAX_ROWS_PER_FLAG, WarehouseEvidence
from integritas.detect.models import EvidenceRow


def _write(path: Path, rows: list[tuple[str, str, date, str, str, int]]) -> Path:
    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "metric": pa.array(cols[0], pa.string()),
            "subject_id": pa.array(cols[1], pa.string()),
            "period_start": pa.array(cols[2], pa.date32()),
            "source": pa.array(cols[3], pa.string()),
            "batch_id": pa.array(cols[4], pa.string()),
            "row_number": pa.array(cols[5], pa.int64()),
        }
    )
    pq.write_table(table, path)
    return path


def test_rows_for_the_asked_metric_person_and_period_only(tmp_path: Path) -> None:
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    path = _write(
        tmp_path / "e.parquet",
        [
            ("m1", "P-A", jan, "roster_audit", "B1", 7),
            ("m1", "P-A", jan, "roster_audit", "B1", 3),
            ("m1", "P-A", feb, "roster_audit", "B1", 9),
            ("m2", "P-A", jan, "overtime_claims", "B2", 1),
            ("m1", "P-B", jan, "roster_audit", "B1", 4),
        ],
    )
    got = WarehouseEvidence(duckdb.connect(), path).evidence("m1", [("P-A", jan)])
    assert dict(got) == {
        ("P-A", jan): [
            EvidenceRow(source="roster_audit", batch_id="B1", row_number=3),
            EvidenceRow(source="roster_audit", batch_id="B1", row_number=7),
        ]
    }


def test_capped_per_flag_and_missing_file_gives_nothing(tmp_path: Path) -> None:
    jan = date(2025, 1, 1)
    rows = [("m", "P-A", jan, "it_access", "B", i) for i in range(MAX_ROWS_PER_FLAG + 50)]
    path = _write(tmp_path / "e.parquet", rows)
    got = WarehouseEvidence(duckdb.connect(), path).evidence("m", [("P-A", jan)])
    assert len(got[("P-A", jan)]) == MAX_ROWS_PER_FLAG
    none = WarehouseEvidence(duckdb.connect(), tmp_path / "missing.parquet")
    assert dict(none.evidence("m", [("P-A", jan)])) == {}
