"""Self-serving roster edits are counted over 90 days: one a month still adds up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import pyarrow as pa

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics

SHIFT_END = {"S1": datetime(2025, 1, 10, 17), "S2": datetime(2025, 2, 12, 17)}


def _backend() -> ibis.BaseBackend:
    def edit(i: int, shift: str, when: datetime, delta: float | None, kind: str) -> dict:
        return dict(
            edit_id=f"E{i}",
            shift_id=shift,
            person_id="P-A",
            subject_person_id="P-A",
            edited_at=when,
            edit_type=kind,
            overtime_hours_delta=delta,
            _batch_id="B-roster_audit",
            _row_number=i,
        )

    audit = [
        # own overtime added before the shift ended, one in January and one in February
        edit(1, "S1", SHIFT_END["S1"] - timedelta(minutes=30), 2.0, "overtime_add"),
        edit(2, "S2", SHIFT_END["S2"] - timedelta(minutes=30), 1.5, "overtime_add"),
        # own shift amended four days after it ended, in January and again in February
        edit(3, "S1", SHIFT_END["S1"] + timedelta(days=4), None, "amend"),
        edit(4, "S2", SHIFT_END["S2"] + timedelta(days=4), None, "amend"),
    ]
    roster = [
        dict(
            shift_id=s,
            shift_date=end.date(),
            rostered_end=end,
            actual_end=end,
            _batch_id="B-duty_roster",
            _row_number=i,
        )
        for i, (s, end) in enumerate(SHIFT_END.items(), start=1)
    ]
    backend = ibis.duckdb.connect()
    for name, rows in (("roster_audit", audit), ("duty_roster", roster)):
        backend.con.register("_src", pa.Table.from_pylist(rows))
        backend.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        backend.con.unregister("_src")
    return backend


def _by_month(name: str) -> dict[int, float]:
    load_metrics()
    ctx = MetricContext(_backend(), date(2025, 1, 1), date(2025, 5, 31))
    df = METRICS[name].compute(ctx).to_pandas()
    assert set(df.subject_id) == {"P-A"}
    return {r.period_start.month: float(r.value) for r in df.itertuples()}


def test_self_overtime_edits_a_month_apart_count_together() -> None:
    # 90 days to 31 Jan: 1; to 28 Feb, 31 Mar, 30 Apr: both; to 31 May: neither (not listed)
    assert _by_month("roster_self_overtime_edits") == {1: 1.0, 2: 2.0, 3: 2.0, 4: 1.0}


def test_retrospective_self_edits_a_month_apart_count_together() -> None:
    assert _by_month("roster_retrospective_self_edits") == {1: 1.0, 2: 2.0, 3: 2.0, 4: 1.0}
