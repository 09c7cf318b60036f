"""Overlapping or corrected re-exports: a key held twice counts once, the latest batch's row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integritas.engine.backends import DuckDBEngine, SparkEngine
from integritas.ingest.layout import manifests
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace


def _two_weeks(folder: Path, kit: Any, second: list[list[str]]) -> Path:
    first = kit.rows(2)  # E0, E1
    kit.write_csv(folder / "badge_access_w1.csv", kit.header, first)
    kit.write_csv(folder / "badge_access_w2.csv", kit.header, second)
    return folder


def _rows(engine: Any) -> list[tuple[str, str]]:
    t = engine.backend.table("badge_access")
    got = engine.to_arrow(t.select("event_id", "reader_id")).to_pylist()
    return sorted((r["event_id"], r["reader_id"]) for r in got)


def test_a_repeated_key_replaces_the_earlier_row(
    ws: Workspace, exports: Path, kit: Any, strict: IngestSettings
) -> None:
    corrected = kit.rows(1, start=1)[0]  # E1 again, its reader corrected
    corrected[3] = "R9"
    folder = _two_weeks(exports, kit, [corrected, *kit.rows(1, start=2)])
    report = ingest_path(ws, folder, source="badge_access", settings=strict)
    assert [r.rows_superseding for r in report.results] == [0, 1]
    assert [m["rows_superseding"] for m in manifests(ws, "badge_access")] == [0, 1]
    with DuckDBEngine(ws).open() as eng:
        assert _rows(eng) == [("E0", "R0"), ("E1", "R9"), ("E2", "R0")]


def test_disjoint_batches_are_read_as_they_are(
    ws: Workspace, exports: Path, kit: Any, strict: IngestSettings
) -> None:
    """No key repeated: no ranking over the table at all (every metric would pay for it)."""
    folder = _two_weeks(exports, kit, kit.rows(2, start=2))
    report = ingest_path(ws, folder, source="badge_access", settings=strict)
    assert [r.rows_superseding for r in report.results] == [0, 0]
    with DuckDBEngine(ws).open() as eng:
        assert [e for e, _ in _rows(eng)] == ["E0", "E1", "E2", "E3"]
        views = eng.backend.con.execute("SELECT view_name FROM duckdb_views()").fetchall()
        assert ("__all_badge_access",) not in views


@pytest.mark.spark
def test_spark_keeps_the_same_latest_rows(
    ws: Workspace, exports: Path, kit: Any, strict: IngestSettings
) -> None:
    corrected = kit.rows(1, start=1)[0]
    corrected[3] = "R9"
    ingest_path(ws, _two_weeks(exports, kit, [corrected]), source="badge_access", settings=strict)
    with DuckDBEngine(ws).open() as duck:
        expected = _rows(duck)
    with SparkEngine(ws).open() as spark:
        assert _rows(spark) == expected == [("E0", "R0"), ("E1", "R9")]


def test_a_moved_event_touches_its_old_period_too(
    ws: Workspace, exports: Path, kit: Any, strict: IngestSettings
) -> None:
    """Incremental metric runs recompute what a batch touches: a correction that moves an
    event from March to April touches March, where the replaced row was."""
    from integritas.metrics.incremental import BatchIndex

    moved = kit.rows(1, start=1)[0]
    moved[4] = "2024-04-15 08:00:00"
    first = kit.rows(2)  # event times on 1 and 2 March
    kit.write_csv(exports / "w1" / "badge_access.csv", kit.header, first)
    kit.write_csv(exports / "w2" / "badge_access.csv", kit.header, [moved])
    ingest_path(ws, exports / "w1", settings=strict)
    ingest_path(ws, exports / "w2", settings=strict)
    second = manifests(ws, "badge_access")[1]
    assert second["rows_superseding"] == 1
    got = BatchIndex.load(ws).event_range(second["batch_id"])
    assert got is not None and (got[0].isoformat(), got[1].isoformat()) == (
        "2024-03-02",
        "2024-04-15",
    )
