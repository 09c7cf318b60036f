"""Expected values of the early-intervention family on a tiny hand-made roster."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics

JAN = date(2025, 1, 1)


def _roster() -> pd.DataFrame:
    rows = [
        # person, date, type, status, rostered end, actual end
        ("P-A", date(2025, 1, 4), "night", "worked", "2025-01-05 07:00", "2025-01-05 08:30"),
        ("P-A", date(2025, 1, 6), "early", "worked", "2025-01-06 15:00", "2025-01-06 15:20"),
        ("P-A", date(2025, 1, 7), "early", "cancelled", "2025-01-07 15:00", None),
        ("P-B", date(2025, 1, 5), "day", "worked", "2025-01-05 17:00", "2025-01-05 18:00"),
        ("P-B", date(2025, 2, 3), "night", "worked", "2025-02-04 07:00", "2025-02-04 07:00"),
    ]
    df = pd.DataFrame(
        rows,
        columns=["person_id", "shift_date", "shift_type", "status", "rostered_end", "actual_end"],
    )
    df["rostered_end"] = pd.to_datetime(df["rostered_end"])
    df["actual_end"] = pd.to_datetime(df["actual_end"])
    df["shift_id"] = [f"S{i}" for i in range(len(df))]
    df["_batch_id"], df["_row_number"] = "B1", range(1, len(df) + 1)
    return df


def _claims() -> pd.DataFrame:
    df = pd.DataFrame(
        [
            ("P-A", date(2024, 11, 20), 3.0, "S9"),
            ("P-A", date(2025, 1, 11), 8.0, None),
            ("P-A", date(2025, 1, 11), 2.0, None),
            ("P-B", date(2025, 1, 20), 4.0, "S3"),
        ],
        columns=["person_id", "work_date", "hours", "shift_id"],
    )
    df["_batch_id"], df["_row_number"] = "B2", range(1, len(df) + 1)
    return df


def _absence() -> pd.DataFrame:
    df = pd.DataFrame(
        [
            ("P-A", "sickness", date(2024, 12, 1)),
            ("P-A", "annual_leave", date(2025, 1, 20)),
            ("P-B", "sickness", date(2025, 1, 15)),
        ],
        columns=["person_id", "absence_type", "start_date"],
    )
    df["_batch_id"], df["_row_number"] = "B3", range(1, len(df) + 1)
    return df


@pytest.fixture(scope="module")
def ctx() -> MetricContext:
    load_metrics()
    backend = ibis.duckdb.connect()
    for name, df in (
        ("duty_roster", _roster()),
        ("overtime_claims", _claims()),
        ("absence", _absence()),
    ):
        backend.con.register("_src", df)
        backend.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        backend.con.unregister("_src")
    return MetricContext(backend=backend, start=JAN, end=date(2025, 2, 28))


EXPECTED: dict[str, dict[tuple[str, date], float]] = {
    "late_finishes": {("P-A", JAN): 1.0, ("P-B", JAN): 1.0},
    "night_shifts": {("P-A", JAN): 1.0, ("P-B", date(2025, 2, 1)): 1.0},
    "weekend_shifts": {("P-A", JAN): 1.0, ("P-B", JAN): 1.0},  # Sat 4 Jan, Sun 5 Jan
    "shifts_worked": {("P-A", JAN): 2.0, ("P-B", JAN): 1.0, ("P-B", date(2025, 2, 1)): 1.0},
    "duties_cancelled": {("P-A", JAN): 1.0},
    "rest_days_worked": {("P-A", JAN): 1.0},
    # 90 days to 31 Jan starts 3 Nov: the November claim counts; to 28 Feb starts 1 Dec.
    "overtime_claims_90d": {
        ("P-A", JAN): 3.0,
        ("P-B", JAN): 1.0,
        ("P-A", date(2025, 2, 1)): 2.0,
        ("P-B", date(2025, 2, 1)): 1.0,
    },
    "overtime_hours_90d": {
        ("P-A", JAN): 13.0,
        ("P-B", JAN): 4.0,
        ("P-A", date(2025, 2, 1)): 10.0,
        ("P-B", date(2025, 2, 1)): 4.0,
    },
    "sickness_spells_90d": {
        ("P-A", JAN): 1.0,
        ("P-B", JAN): 1.0,
        ("P-A", date(2025, 2, 1)): 1.0,
        ("P-B", date(2025, 2, 1)): 1.0,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_values(ctx: MetricContext, name: str) -> None:
    got = METRICS[name].compute(ctx).execute()
    values = {
        (r.subject_id, pd.Timestamp(r.period_start).date()): float(r.value)
        for r in got.itertuples()
        if r.value
    }
    assert values == EXPECTED[name]


def test_family_is_complete_and_welfare_only() -> None:
    family = [m for m in load_metrics() if m.spec.family == "early_intervention"]
    assert sorted(m.name for m in family) == sorted(EXPECTED)
    assert {(m.spec.tier, m.spec.purpose) for m in family} == {("secondary", "welfare")}
