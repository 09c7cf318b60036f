"""Disputed rows leave every metric; an objection pauses a person's values for one metric."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integritas.engine.testing import write_batch
from integritas.metrics.runner import run_metrics
from integritas.rights.disputes import DISPUTED_SCHEMA, disputed_path
from integritas.rights.objections import OBJECTIONS_SCHEMA, objections_path
from integritas.settings import Workspace

WINDOW = {"start": date(2025, 1, 1), "end": date(2025, 1, 31)}
METRIC = "roster_self_edits"


def _value(ws: Workspace, person: str) -> float | None:
    path = ws.home / "derived" / "metric_values.parquet"
    row = duckdb.execute(
        "SELECT value FROM read_parquet(?) WHERE metric = ? AND subject_id = ? "
        "AND period_start = DATE '2025-01-01'",
        [str(path), METRIC, person],
    ).fetchone()
    return None if row is None else row[0]


def _workspace(tmp_path: Path) -> tuple[Workspace, str]:
    ws = Workspace(tmp_path / "home")
    people = [
        {"person_id": p, "unit_id": "U1", "rank_grade": "PC", "start_date": date(2020, 1, 1)}
        for p in ("P-A", "P-B")
    ]
    write_batch(ws, "hr_master", people)
    edits = [
        {
            "edit_id": f"E{i}",
            "shift_id": f"S{i}",
            "person_id": "P-A",
            "subject_person_id": "P-A",
            "edited_at": datetime(2025, 1, 10 + i, 9),
            "edit_type": "amend",
        }
        for i in range(3)
    ]
    return ws, write_batch(ws, "roster_audit", edits)


def test_disputed_row_is_left_out_and_comes_back_when_resolved(tmp_path: Path) -> None:
    ws, batch = _workspace(tmp_path)
    run_metrics(ws, only=[METRIC], **WINDOW)
    assert _value(ws, "P-A") == 3.0
    disputed = pa.Table.from_pylist(
        [
            {
                "source": "roster_audit",
                "batch_id": batch,
                "row_number": 2,
                "person_id": "P-A",
                "dispute_id": 1,
                "status": "open",
            }
        ],
        schema=DISPUTED_SCHEMA,
    )
    disputed_path(ws).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(disputed, disputed_path(ws))
    run_metrics(ws, only=[METRIC], full=True, **WINDOW)
    assert _value(ws, "P-A") == 2.0
    pq.write_table(DISPUTED_SCHEMA.empty_table(), disputed_path(ws))
    run_metrics(ws, only=[METRIC], full=True, **WINDOW)
    assert _value(ws, "P-A") == 3.0


def test_objection_pauses_only_that_person_and_metric(tmp_path: Path) -> None:
    ws, _ = _workspace(tmp_path)
    paused = pa.Table.from_pylist(
        [{"person_id": "P-A", "metric": METRIC, "objection_id": 1, "status": "open"}],
        schema=OBJECTIONS_SCHEMA,
    )
    objections_path(ws).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(paused, objections_path(ws))
    run_metrics(ws, only=[METRIC, "roster_self_overtime_edits"], **WINDOW)
    assert _value(ws, "P-A") is None  # no value at all, not even a zero-fill
    path = ws.home / "derived" / "metric_values.parquet"
    other = duckdb.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE metric = 'roster_self_overtime_edits' "
        "AND subject_id = 'P-A'",
        [str(path)],
    ).fetchone()
    assert other is not None and other[0] >= 1
