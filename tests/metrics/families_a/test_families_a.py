"""Expected outputs of the person-level families A on a tiny hand-made force (February 2025)."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pytest

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics

DDL = {
    "hr_master": "person_id VARCHAR, surname_key VARCHAR, home_postcode_key VARCHAR, "
    "unit_id VARCHAR, staff_type VARCHAR, rank_grade VARCHAR, role VARCHAR, is_supervisor BOOLEAN, "
    "working_pattern VARCHAR, fte DOUBLE, hybrid_policy_pct DOUBLE, attendance_exemption BOOLEAN, "
    "line_manager_id VARCHAR, start_date DATE, leave_date DATE",
    "duty_roster": "shift_id VARCHAR, person_id VARCHAR, unit_id VARCHAR, shift_date DATE, "
    "rostered_start TIMESTAMP, rostered_end TIMESTAMP, actual_start TIMESTAMP, "
    "actual_end TIMESTAMP, shift_type VARCHAR, status VARCHAR",
    "roster_audit": "edit_id VARCHAR, shift_id VARCHAR, person_id VARCHAR, "
    "subject_person_id VARCHAR, edited_at TIMESTAMP, edit_type VARCHAR, field_changed VARCHAR, "
    "old_value VARCHAR, new_value VARCHAR, swap_person_id VARCHAR, overtime_hours_delta DOUBLE",
    "overtime_claims": "claim_id VARCHAR, person_id VARCHAR, unit_id VARCHAR, work_date DATE, "
    "start_time TIMESTAMP, end_time TIMESTAMP, hours DOUBLE, reason_code VARCHAR, "
    "operation_code VARCHAR, authoriser_id VARCHAR, submitted_at TIMESTAMP, status VARCHAR, "
    "shift_id VARCHAR",
    "badge_access": "event_id VARCHAR, person_id VARCHAR, site_code VARCHAR, reader_id VARCHAR, "
    "event_time TIMESTAMP, direction VARCHAR, result VARCHAR",
    "device_location": "ping_id VARCHAR, person_id VARCHAR, device_id VARCHAR, "
    "ping_time TIMESTAMP, site_label VARCHAR",
    "absence": "absence_id VARCHAR, person_id VARCHAR, absence_type VARCHAR, start_date DATE, "
    "end_date DATE, reasonable_adjustment BOOLEAN",
    "major_events": "operation_code VARCHAR, operation_name VARCHAR, start_date DATE, "
    "end_date DATE, unit_id VARCHAR, overtime_authorised BOOLEAN",
}

N = None
ROWS: dict[str, list[tuple[Any, ...]]] = {
    "hr_master": [
        (
            "P-A",
            "s",
            "p",
            "U1",
            "officer",
            "PC",
            "response_officer",
            False,
            "full_time",
            1.0,
            N,
            False,
            "P-B",
            "2010-01-01",
            N,
        ),
        (
            "P-B",
            "s",
            "p",
            "U1",
            "officer",
            "PS",
            "response_officer",
            True,
            "full_time",
            1.0,
            N,
            False,
            N,
            "2010-01-01",
            N,
        ),
        (
            "P-C",
            "s",
            "p",
            "U2",
            "staff",
            "G5",
            "analyst",
            False,
            "full_time",
            1.0,
            60.0,
            False,
            "P-B",
            "2010-01-01",
            N,
        ),
        (
            "P-E",
            "s",
            "p",
            "U2",
            "staff",
            "G5",
            "analyst",
            False,
            "full_time",
            1.0,
            60.0,
            True,
            "P-B",
            "2010-01-01",
            N,
        ),
    ],
    "duty_roster": [
        ("S0", "P-A", "U1", "2024-08-01", N, N, N, N, "rest", "rest_day"),
        (
            "S1",
            "P-A",
            "U1",
            "2025-02-03",
            "2025-02-03 07:00",
            "2025-02-03 17:00",
            "2025-02-03 07:00",
            "2025-02-03 19:30",
            "day",
            "worked",
        ),
        (
            "S1c",
            "P-A",
            "U1",
            "2025-02-04",
            "2025-02-04 05:00",
            "2025-02-04 15:00",
            "2025-02-04 05:00",
            "2025-02-04 15:00",
            "early",
            "worked",
        ),
        (
            "S1b",
            "P-A",
            "U1",
            "2025-02-05",
            "2025-02-05 07:00",
            "2025-02-05 17:00",
            "2025-02-05 07:00",
            "2025-02-05 17:05",
            "day",
            "worked",
        ),
        ("S1r", "P-A", "U1", "2025-02-08", N, N, N, N, "rest", "rest_day"),
        (
            "S2",
            "P-B",
            "U1",
            "2025-02-10",
            "2025-02-10 22:00",
            "2025-02-11 07:00",
            "2025-02-10 22:00",
            "2025-02-11 07:00",
            "night",
            "worked",
        ),
        (
            "S3",
            "P-B",
            "U1",
            "2025-02-11",
            "2025-02-11 22:00",
            "2025-02-12 07:00",
            "2025-02-11 22:00",
            "2025-02-12 07:00",
            "night",
            "worked",
        ),
        (
            "S4",
            "P-B",
            "U1",
            "2025-02-12",
            "2025-02-12 22:00",
            "2025-02-13 07:00",
            "2025-02-12 22:00",
            "2025-02-13 07:00",
            "night",
            "worked",
        ),
        (
            "S5",
            "P-B",
            "U1",
            "2025-02-14",
            "2025-02-14 22:00",
            "2025-02-15 07:00",
            "2025-02-14 22:00",
            "2025-02-15 07:00",
            "night",
            "worked",
        ),
    ]
    + [
        (
            f"C{d}",
            p,
            "U2",
            f"2025-02-{d:02d}",
            f"2025-02-{d:02d} 09:00",
            f"2025-02-{d:02d} 17:00",
            f"2025-02-{d:02d} 09:00",
            f"2025-02-{d:02d} 17:00",
            "day",
            "worked",
        )
        for p in ("P-C", "P-E")
        for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)
    ],
    "roster_audit": [
        (
            "E1",
            "S1",
            "P-A",
            "P-A",
            "2025-02-03 15:00",
            "overtime_add",
            "actual_end",
            "2025-02-03 17:00",
            "2025-02-03 19:00",
            N,
            2.0,
        ),
        (
            "E2",
            "S1",
            "P-A",
            "P-A",
            "2025-02-10 09:00",
            "amend",
            "actual_end",
            "2025-02-03 19:00",
            "2025-02-03 19:30",
            N,
            0.5,
        ),
        ("E3", "S2", "P-A", "P-B", "2025-02-09 09:00", "amend", "rostered_start", "a", "b", N, N),
        ("E4", "S1", "P-B", "P-A", "2025-02-02 09:00", "amend", "rostered_start", "a", "b", N, N),
        ("E5", "S1b", "P-A", "P-A", "2025-02-01 09:00", "swap", "duty", N, N, "P-B", 0.0),
        ("E6", "S1c", "P-A", "P-A", "2025-02-01 10:00", "swap", "duty", N, N, "P-B", 0.0),
        ("E7", "S1", "P-A", "P-A", "2025-02-01 11:00", "swap", "duty", N, N, "P-C", 0.0),
    ],
    "overtime_claims": [
        (
            "O1",
            "P-A",
            "U1",
            "2025-02-03",
            "2025-02-03 17:00",
            "2025-02-03 19:00",
            2.0,
            "late_arrest",
            N,
            "P-B",
            "2025-02-04 09:00",
            "paid",
            "S1",
        ),
        (
            "O2",
            "P-A",
            "U1",
            "2025-02-08",
            "2025-02-08 08:00",
            "2025-02-08 16:00",
            8.0,
            "staff_shortage",
            N,
            "P-A",
            "2025-02-09 09:00",
            "paid",
            N,
        ),
        (
            "O3",
            "P-A",
            "U1",
            "2025-02-08",
            "2025-02-08 09:00",
            "2025-02-08 12:00",
            3.0,
            "staff_shortage",
            N,
            "P-B",
            "2025-02-09 09:00",
            "approved",
            N,
        ),
        (
            "O4",
            "P-A",
            "U1",
            "2025-02-15",
            "2025-02-15 10:00",
            "2025-02-15 11:00",
            1.0,
            "other",
            N,
            "P-B",
            "2025-02-16 09:00",
            "paid",
            N,
        ),
        (
            "O5",
            "P-A",
            "U1",
            "2025-02-20",
            "2025-02-20 11:00",
            "2025-02-20 13:00",
            2.0,
            "major_event",
            "OPX",
            "P-B",
            "2025-02-21 09:00",
            "pending",
            N,
        ),
        (
            "O6",
            "P-B",
            "U1",
            "2025-02-11",
            "2025-02-11 07:00",
            "2025-02-11 09:00",
            2.0,
            "other",
            N,
            "P-B",
            "2025-02-12 09:00",
            "rejected",
            "S2",
        ),
        (
            "O7",
            "P-A",
            "U1",
            "2025-02-05",
            "2025-02-05 17:00",
            "2025-02-05 19:00",
            2.0,
            "staff_shortage",
            N,
            "P-B",
            "2025-02-06 09:00",
            "paid",
            "S1b",
        ),
    ],
    "badge_access": [
        ("B1", "P-A", "STN01", "R1", "2025-02-03 19:05", "out", "granted"),
        ("B2", "P-A", "STN01", "R1", "2025-02-05 17:10", "out", "granted"),
    ]
    + [(f"BC{d}", "P-C", "HQ", "R1", f"2025-02-{d:02d} 08:55", "in", "granted") for d in (3, 4, 5)]
    + [("BCX", "P-C", "HQ", "R1", "2025-02-06 08:55", "in", "denied")],
    "device_location": [
        ("G1", "P-A", "D1", "2025-02-15 10:30", "off-site"),
        ("G2", "P-A", "D1", "2025-02-20 12:00", "STN01"),
        ("G3", "P-A", "D1", "2025-02-04 06:00", "off-site"),
        ("G4", "P-A", "D1", "2025-02-04 09:00", "off-site"),
        ("G5", "P-A", "D1", "2025-02-04 12:00", "off-site"),
        ("G6", "P-A", "D1", "2025-02-05 09:00", "STN01"),
    ],
    "absence": [("A1", "P-A", "annual_leave", "2025-02-14", "2025-02-16", False)],
    "major_events": [("OPY", "Op Y", "2025-02-20", "2025-02-20", "U9", True)],
}


def build_backend() -> Any:
    backend = ibis.duckdb.connect()
    for name, ddl in DDL.items():
        backend.con.execute(f"CREATE TABLE {name} ({ddl}, _batch_id VARCHAR, _row_number BIGINT)")
        width = ddl.count(",") + 1
        marks = ", ".join(["?"] * (width + 2))
        for i, row in enumerate(ROWS[name]):
            assert len(row) == width, (name, row)
            backend.con.execute(f"INSERT INTO {name} VALUES ({marks})", [*row, f"B-{name}", i])
    return backend


@pytest.fixture(scope="module")
def ctx() -> MetricContext:
    load_metrics()
    return MetricContext(build_backend(), date(2025, 2, 1), date(2025, 2, 28))


FEB = date(2025, 2, 1)


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


EXPECTED: dict[str, dict[str, float]] = {
    "roster_self_edits": {"P-A": 5},
    "roster_self_overtime_edits": {"P-A": 2},  # E1 and the retrospective E2
    "roster_self_overtime_hours": {"P-A": 2.5},
    "roster_retrospective_self_edits": {"P-A": 1},
    "roster_peer_edits_non_supervisor": {"P-A": 1},
    "roster_self_rest_day_cancellations": {},
    "roster_repeat_swap_partner": {"P-A": 2},
    "overtime_hours": {"P-A": 18.0},
    "overtime_self_authorised_claims": {"P-A": 1},
    "overtime_overlapping_claims": {"P-A": 2},
    "overtime_claims_during_absence": {"P-A": 1},
    "overtime_claims_without_operation": {"P-A": 1},
    "overtime_claims_no_presence": {"P-A": 2},
    "overtime_claims_no_presence_91d": {"P-A": 2},
    "rest_day_claims_no_presence": {"P-A": 2},  # both unsupported claims have no duty
    "overtime_claims_after_booking_off": {"P-A": 1},
    "office_attendance_pct": {"P-C": 30.0, "P-E": 0.0},
    "office_attendance_policy_met_pct": {"P-C": 50.0},
    "office_attendance_shortfall_pp": {"P-C": 30.0},
    "office_days_short_of_policy": {"P-C": 3.0},
    "long_shifts": {"P-A": 1},
    "short_rest_breaks": {"P-A": 1},
    "night_shift_run": {"P-B": 3},
    "annual_leave_days_180d": {"P-A": 3},
    "weeks_over_48_hours": {"P-A": 0, "P-B": 0, "P-C": 0, "P-E": 0},
    "shifts_never_at_approved_site": {"P-A": 1},
    "sickness_rising_with_overtime": {},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_values(ctx: MetricContext, name: str) -> None:
    df = METRICS[name].compute(ctx).to_pandas()
    got = {
        r.subject_id: pytest.approx(float(r.value))
        for r in df.itertuples()
        if _day(r.period_start) == FEB
    }
    assert {k: float(v) for k, v in EXPECTED[name].items()} == got


def test_avg_weekly_hours(ctx: MetricContext) -> None:
    df = METRICS["avg_weekly_hours"].compute(ctx).to_pandas().set_index("subject_id")
    # week of 3 Feb: 12.5 + 10 + 10 1/12 shift hours + 11 rest-day claim hours; then 1 and 2
    assert df.loc["P-A", "value"] == pytest.approx((12.5 + 10 + 10 + 5 / 60 + 11 + 1 + 2) / 3)


def test_family_covers_every_metric_expected() -> None:
    load_metrics()
    mine = {
        m.name
        for m in METRICS
        if m.spec.family in {"rostering", "attendance", "overtime", "welfare", "location"}
    }
    assert mine == set(EXPECTED) | {"avg_weekly_hours"}


def test_evidence_rows_resolve_to_curated_rows(ctx: MetricContext) -> None:
    con = ctx.backend.con
    checked = 0
    for m in METRICS:
        if m.evidence is None or m.name not in EXPECTED:
            continue
        ev = m.evidence(ctx).to_pandas()
        values = m.compute(ctx).to_pandas()
        keys = {(s, _day(p)) for s, p in zip(values.subject_id, values.period_start, strict=True)}
        assert len(ev) > 0 or not EXPECTED[m.name], m.name
        for r in ev.itertuples():
            assert (r.subject_id, _day(r.period_start)) in keys, (m.name, r)
            found = con.execute(
                f"SELECT count(*) FROM {r.source} WHERE _batch_id = ? AND _row_number = ?",
                [r.batch_id, int(r.row_number)],
            ).fetchone()[0]
            assert found == 1, (m.name, r)
            checked += 1
    assert checked > 20


def _night(shift: str, day: int) -> tuple[Any, ...]:
    start, end = f"2025-02-{day:02d} 22:00", f"2025-02-{day + 1:02d} 06:00"
    return (shift, "P-A", "U1", f"2025-02-{day:02d}", start, end, start, end, "night", "worked")


def test_night_shift_pings_after_midnight_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """A night shift's pings after midnight are inside it: three off-site pings across
    midnight make a shift never at a site; one on-site ping after midnight clears another."""
    extra = {
        "duty_roster": [_night("SN1", 24), _night("SN2", 26)],
        "device_location": [
            ("GN1", "P-A", "D1", "2025-02-24 22:30", "off-site"),
            ("GN2", "P-A", "D1", "2025-02-24 23:30", "off-site"),
            ("GN3", "P-A", "D1", "2025-02-25 01:30", "off-site"),
            ("GN4", "P-A", "D1", "2025-02-26 22:30", "off-site"),
            ("GN5", "P-A", "D1", "2025-02-26 23:30", "off-site"),
            ("GN6", "P-A", "D1", "2025-02-27 01:30", "off-site"),
            ("GN7", "P-A", "D1", "2025-02-27 04:30", "STN01"),
        ],
    }
    rows = {name: ROWS[name] + extra.get(name, []) for name in ROWS}
    monkeypatch.setitem(globals(), "ROWS", rows)
    load_metrics()
    night = MetricContext(build_backend(), date(2025, 2, 1), date(2025, 2, 28))
    df = METRICS["shifts_never_at_approved_site"].compute(night).to_pandas()
    assert dict(zip(df.subject_id, df.value, strict=True)) == {"P-A": 2.0}  # 1 before + SN1
