"""Backends: typed empty tables, calendar, shared join helpers, and DuckDB/Spark parity."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pytest

from integritas.catalog.registry import catalog
from integritas.engine.backends import DuckDBEngine, EngineError, open_engine
from integritas.engine.testing import write_batch
from integritas.metrics.context import MetricContext
from integritas.metrics.shapes import (
    Shifts,
    events_in_shifts,
    events_outside_shifts,
)
from integritas.metrics.windows import count_in_window
from integritas.settings import Workspace


def test_empty_workspace_has_every_source_typed_and_linkage_table(tmp_path: Path) -> None:
    eng = DuckDBEngine(Workspace.from_settings(tmp_path)).open()
    tables = set(eng.backend.list_tables())
    assert set(catalog()) | {"linkage_accepted", "calendar_month"} <= tables
    schema = eng.backend.table("duty_roster").schema()
    assert str(schema["shift_date"]) == "date" and str(schema["_row_number"]) == "int64"
    assert eng.to_arrow(eng.backend.table("linkage_accepted")).num_rows == 0
    cal = eng.to_arrow(eng.backend.table("calendar_month")).to_pylist()
    feb24 = next(r for r in cal if r["period_start"] == date(2024, 2, 1))
    assert feb24["period_end"] == date(2024, 2, 29) and feb24["days"] == 29


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="unknown engine"):
        open_engine(Workspace.from_settings(tmp_path), "oracle")  # type: ignore[arg-type]


def test_events_in_shifts_day_buckets_cross_midnight(tmp_path: Path) -> None:
    ws = Workspace.from_settings(tmp_path)
    write_batch(
        ws,
        "duty_roster",
        [
            {
                "shift_id": "N1",
                "person_id": "P-1",
                "shift_date": date(2025, 1, 1),
                "actual_start": datetime(2025, 1, 1, 22),
                "actual_end": datetime(2025, 1, 2, 6),
            },
            {
                "shift_id": "D1",
                "person_id": "P-2",
                "shift_date": date(2025, 1, 2),
                "actual_start": datetime(2025, 1, 2, 8),
                "actual_end": datetime(2025, 1, 2, 16),
            },
            {  # starts just after midnight: its grace reaches back into the day before
                "shift_id": "E1",
                "person_id": "P-3",
                "shift_date": date(2025, 1, 3),
                "actual_start": datetime(2025, 1, 3, 0, 10),
                "actual_end": datetime(2025, 1, 3, 8),
            },
        ],
    )
    write_batch(
        ws,
        "it_access",
        [
            {"event_id": "E1", "person_id": "P-1", "event_time": datetime(2025, 1, 2, 3)},
            {"event_id": "E2", "person_id": "P-1", "event_time": datetime(2025, 1, 2, 7)},
            {"event_id": "E3", "person_id": "P-2", "event_time": datetime(2025, 1, 2, 7, 50)},
            {"event_id": "E4", "person_id": "P-2", "event_time": datetime(2025, 1, 1, 9)},
            {"event_id": "E5", "person_id": "P-3", "event_time": datetime(2025, 1, 2, 23, 58)},
            {"event_id": "E6", "person_id": "P-9", "event_time": datetime(2025, 1, 2, 10)},
        ],
    )
    eng = DuckDBEngine(ws).open()
    b = eng.backend
    shifts = Shifts(b.table("duty_roster"), tolerance_minutes=15)
    events = b.table("it_access")
    pairs = events_in_shifts(events, shifts, event_person="person_id", event_time="event_time")
    got = sorted((r["event_id"], r["shift_shift_id"]) for r in eng.to_arrow(pairs).to_pylist())
    assert got == [("E1", "N1"), ("E3", "D1"), ("E5", "E1")]
    outside = events_outside_shifts(
        events, shifts, event_person="person_id", event_time="event_time"
    )
    assert sorted(eng.to_arrow(outside).column("event_id").to_pylist()) == ["E2", "E4", "E6"]
    assert set(outside.columns) == set(events.columns)
    ctx = MetricContext(b, date(2025, 1, 1), date(2025, 2, 28))
    rolled = count_in_window(ctx, b.table("it_access"), "person_id", "event_time", 45)
    vals = {
        (r["subject_id"], r["period_start"]): r["value"] for r in eng.to_arrow(rolled).to_pylist()
    }
    # 45 days ending 31 January hold every event; ending 28 February, none.
    assert vals == {
        ("P-1", date(2025, 1, 1)): 2.0,
        ("P-2", date(2025, 1, 1)): 2.0,
        ("P-3", date(2025, 1, 1)): 1.0,
        ("P-9", date(2025, 1, 1)): 1.0,
    }


@pytest.mark.spark
@pytest.mark.slow
def test_every_metric_agrees_on_duckdb_and_spark(tmp_path: Path) -> None:
    """Counts exactly, decimals within 1e-9 (relative), on a small synthetic force."""
    import subprocess
    import sys

    from integritas.engine.backends import SparkEngine
    from integritas.ingest.service import ingest_path
    from integritas.metrics.registry import load_metrics
    from integritas.metrics.runner import _raw

    out = tmp_path / "synth"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "integritas.cli",
            "synth",
            "--staff",
            "40",
            "--days",
            "40",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        check=True,
    )
    ws = Workspace.from_settings(tmp_path / "home")
    ingest_path(ws, out)
    duck = DuckDBEngine(ws).open()
    spark = SparkEngine(ws, master="local[1]").open()
    problems: list[str] = []
    try:
        for m in load_metrics():
            lo = date(2025, 1, 1)
            ctx_d = MetricContext(duck.backend, lo, date(2025, 2, 28))
            ctx_s = MetricContext(spark.backend, lo, date(2025, 2, 28))
            key = ["subject_id", "period_start"]
            try:
                a = _raw(duck, m, ctx_d).sort_by([(k, "ascending") for k in key]).to_pylist()
                b = _raw(spark, m, ctx_s).sort_by([(k, "ascending") for k in key]).to_pylist()
            except Exception as exc:  # one metric failing on Spark must not hide the others
                problems.append(f"{m.name}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            if len(a) != len(b):
                problems.append(f"{m.name}: {len(a)} rows on DuckDB, {len(b)} on Spark")
                continue
            for x, y in zip(a, b, strict=True):
                same = x.keys() == y.keys() and all(
                    math.isclose(x[k], y[k], rel_tol=1e-9, abs_tol=1e-9)
                    if isinstance(x[k], float) and isinstance(y[k], float)
                    else x[k] == y[k]
                    for k in x
                )
                if not same:
                    problems.append(f"{m.name}: {x} != {y}")
                    break
        assert problems == []
    finally:
        spark.close()
