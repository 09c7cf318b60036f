"""Each shared context suppressor: the benign look-alike is not flagged, the same behaviour
without the context is (real rules from detect/rules, hand-made metric values and context)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from integritas.detect.catalogue import load_rules
from integritas.detect.engine import evaluate_rule
from integritas.detect.registry import RULES

PEOPLE = [f"P-{i:012d}" for i in range(8)]
P0, P1 = PEOPLE[0], PEOPLE[1]

CONTEXT_DDL = {
    "hr_master": "person_id VARCHAR, role VARCHAR, is_supervisor BOOLEAN, "
    "working_pattern VARCHAR, fte DOUBLE, hybrid_policy_pct DOUBLE, attendance_exemption BOOLEAN",
    "absence": "absence_id VARCHAR, person_id VARCHAR, absence_type VARCHAR, start_date DATE, "
    "end_date DATE, reasonable_adjustment BOOLEAN",
    "badge_access": "event_id VARCHAR, person_id VARCHAR, event_time TIMESTAMP, result VARCHAR",
    "duty_roster": "shift_id VARCHAR, person_id VARCHAR, shift_date DATE, shift_type VARCHAR, "
    "status VARCHAR",
    "overtime_claims": "claim_id VARCHAR, person_id VARCHAR, work_date DATE, hours DOUBLE, "
    "operation_code VARCHAR, status VARCHAR",
    "major_events": "operation_code VARCHAR, start_date DATE, end_date DATE, "
    "overtime_authorised BOOLEAN",
}


@pytest.fixture
def context(con: Any) -> Callable[..., None]:
    load_rules()
    for name, ddl in CONTEXT_DDL.items():
        con.execute(f"CREATE TABLE {name} ({ddl}, _batch_id VARCHAR, _row_number BIGINT)")

    def insert(table: str, *rows: tuple[Any, ...]) -> None:
        for i, row in enumerate(rows):
            marks = ", ".join(["?"] * (len(row) + 2))
            con.execute(f"INSERT INTO {table} VALUES ({marks})", [*row, "B1", i])

    for p in PEOPLE:
        insert("hr_master", (p, "analyst", False, "full_time", 1.0, 60.0, False))
    return insert


def _set_person(con: Any, person: str, **fields: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    con.execute(f"UPDATE hr_master SET {sets} WHERE person_id = ?", [*fields.values(), person])


def _outcome(con: Any, rule: str) -> tuple[set[str], dict[str, str]]:
    out = evaluate_rule(con, RULES[rule])
    return {f.person_id for f in out.flags}, {s.person_id: s.reason for s in out.suppressed}


def _values(hit: float, normal: float, months: tuple[int, ...] = (1, 2, 3)):
    return {(p, m): (hit if p in (P0, P1) else normal) for p in PEOPLE for m in months}


def test_attendance_exemption(con, load_metric, context) -> None:
    load_metric(_values(40.0, 120.0), "office_attendance_policy_met_pct")
    _set_person(con, P0, attendance_exemption=True)
    flagged, suppressed = _outcome(con, "hybrid_attendance_below_policy")
    assert flagged == {P1}
    assert "exemption" in suppressed[P0]


def test_part_time_pro_rata(con, load_metric, context) -> None:
    load_metric(_values(50.0, 120.0, (1,)), "office_attendance_policy_met_pct")
    rule = RULES["hybrid_attendance_below_policy"].model_copy(update={"persistence": None})
    _set_person(con, P0, fte=0.5, working_pattern="part_time")
    # 6 office days in Jan 2026 (1st-28th: 20 weekdays): policy 60% x FTE 0.5 x 20 = 6 days
    days = (5, 6, 7, 8, 9, 12)
    for p in (P0, P1):
        context(
            "badge_access", *((f"E{p}{d}", p, f"2026-01-{d:02d} 09:00", "granted") for d in days)
        )
    out = evaluate_rule(con, rule)
    assert {f.person_id for f in out.flags} == {P1}
    assert [s.person_id for s in out.suppressed] == [P0]
    assert "pro-rated" in out.suppressed[0].reason
    # one office day fewer and pro-rating no longer explains it
    con.execute(
        f"DELETE FROM badge_access WHERE person_id = '{P0}' AND event_time::date = '2026-01-12'"
    )
    assert {f.person_id for f in evaluate_rule(con, rule).flags} == {P0, P1}


def test_reasonable_adjustment(con, load_metric, context) -> None:
    load_metric(_values(0.0, 10.0, (1,)), "annual_leave_days_180d")
    context("absence", ("A1", P0, "sickness", "2025-12-01", "2025-12-05", True),
            ("A2", P1, "sickness", "2025-12-01", "2025-12-05", False))  # fmt: skip
    flagged, suppressed = _outcome(con, "no_annual_leave")
    assert flagged == {P1}
    assert "reasonable adjustment" in suppressed[P0]


def test_night_rota(con, load_metric, context) -> None:
    load_metric(_values(7.0, 3.0, (1,)), "night_shift_run")
    _set_person(con, P0, working_pattern="nights")
    flagged, suppressed = _outcome(con, "long_night_runs")
    assert flagged == {P1}
    assert "night rota" in suppressed[P0]


def test_night_rota_from_the_roster(con, load_metric, context) -> None:
    load_metric(_values(7.0, 3.0, (1,)), "night_shift_run")
    for p, kind in ((P0, "night"), (P1, "day")):
        context("duty_roster", *((f"S{p}{d}", p, f"2026-01-{d:02d}", kind, "worked")
                                 for d in range(1, 9)))  # fmt: skip
    flagged, suppressed = _outcome(con, "long_night_runs")
    assert flagged == {P1}
    assert "8 of 8" in suppressed[P0]


def test_major_event_overtime(con, load_metric, context) -> None:
    load_metric(_values(55.0, 40.0), "avg_weekly_hours")
    context("major_events", ("OPX", "2026-02-01", "2026-03-28", True),
            ("OPN", "2026-02-01", "2026-03-28", False))  # fmt: skip
    for m in (2, 3):
        context("overtime_claims", (f"C0{m}", P0, f"2026-0{m}-10", 30.0, "OPX", "paid"),
                (f"C1{m}", P1, f"2026-0{m}-10", 30.0, "OPN", "paid"))  # fmt: skip
    flagged, suppressed = _outcome(con, "working_time_over_48h")
    assert flagged == {P1}
    assert "OPX" in suppressed[P0]


def test_rostering_role(con, load_metric, context) -> None:
    load_metric(_values(5.0, 0.0, (1,)), "roster_peer_edits_non_supervisor")
    _set_person(con, P0, is_supervisor=True)
    flagged, suppressed = _outcome(con, "roster_peer_edits_non_supervisor")
    assert flagged == {P1}
    assert "supervisor" in suppressed[P0]


def test_every_rule_names_known_metric_and_suppressors() -> None:
    from integritas.detect.registry import SUPPRESSORS
    from integritas.metrics.registry import METRICS, load_metrics

    load_metrics()
    mine = [r for r in load_rules() if r.metric in METRICS and METRICS[r.metric].spec.family
            in {"rostering", "attendance", "overtime", "welfare", "location"}]  # fmt: skip
    assert len(mine) >= 15
    for r in mine:
        for s in r.suppressors:
            SUPPRESSORS[s]
        assert (r.tier.value == "secondary") == (METRICS[r.metric].spec.tier.value == "secondary")
