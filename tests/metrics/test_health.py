"""Expected outputs of the organisation-health family on the tiny hand-made workspace."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from integritas.metrics.registry import load_metrics
from integritas.metrics.runner import run_metrics
from integritas.metrics.values import read_values
from integritas.settings import EngineSettings

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)

# (metric, month) -> expected U1 value; U1 has 12 people in post in both months, FTE 11.5.
EXPECTED = {
    ("unit_sickness_absence_rate", JAN): 2 / (12 * 31) * 100,
    ("unit_sickness_absence_rate", FEB): 2 / (12 * 28) * 100,
    ("unit_sickness_days_per_fte", JAN): 2 / 11.5,
    ("unit_sickness_spells_per_100", JAN): 100 / 12,
    ("unit_sickness_spells_per_100", FEB): 0.0,
    ("unit_overtime_hours_per_fte", JAN): 3 / 11.5,
    ("unit_overtime_hours_per_fte", FEB): 4 / 11.5,
    ("unit_overtime_claims_per_head", JAN): 1 / 12,
    ("unit_overtime_self_authorised_pct", JAN): 100.0,
    ("unit_overtime_self_authorised_pct", FEB): 0.0,
    ("unit_overtime_major_event_share", FEB): 100.0,
    ("unit_complaints_per_100", JAN): 100 / 12,
    ("unit_public_complaints_per_100", JAN): 100 / 12,
    ("unit_complaints_upheld_pct", FEB): 100.0,
    ("unit_complaints_upheld_pct", JAN): None,
    ("unit_attrition_pct", JAN): 100 / 12,
    ("unit_attrition_pct", FEB): 0.0,
    ("unit_joiners", JAN): 0.0,
    ("unit_joiners", FEB): 1.0,
    ("unit_fte_in_post", FEB): 11.5,
    ("unit_roster_edits_per_100_shifts", JAN): 100.0,
    ("unit_retrospective_edit_pct", JAN): 50.0,
    ("unit_self_edit_pct", JAN): 50.0,
    ("unit_rest_day_cancellations_per_100", JAN): 100 / 12,
    ("unit_night_shift_share", JAN): 50.0,
    ("unit_long_shift_share", JAN): 50.0,
    ("unit_avg_shift_hours", JAN): 10.75,
    ("unit_avg_shift_hours", FEB): None,
}


def _health_names() -> list[str]:
    return [m.name for m in load_metrics() if m.spec.family == "health"]


def test_health_family_has_25_primary_unit_metrics() -> None:
    ms = [m for m in load_metrics() if m.spec.family == "health"]
    assert len(ms) >= 25
    assert {m.spec.tier.value for m in ms} == {"primary"}
    assert {m.spec.purpose.value for m in ms} == {"organisational_health"}


@pytest.mark.slow
def test_expected_unit_values(tiny_ws: object, tmp_path: Path) -> None:
    report = run_metrics(
        tiny_ws,  # type: ignore[arg-type]
        start=JAN,
        end=date(2025, 2, 28),
        only=_health_names(),
        settings=EngineSettings(small_cell_k=10),
    )
    assert not report.failed, [r.error for r in report.failed]
    rows = read_values(tiny_ws).to_pylist()  # type: ignore[arg-type]
    got = {(r["metric"], r["subject_id"], r["period_start"]): r for r in rows}
    for (name, month), want in EXPECTED.items():
        row = got[(name, "U1", month)]
        assert row["n_people"] == 12 and not row["suppressed"], (name, month)
        if want is None:
            assert row["value"] is None, (name, month, row["value"])
        else:
            assert row["value"] is not None and math.isclose(
                row["value"], want, rel_tol=1e-9, abs_tol=1e-12
            ), (name, month, row["value"], want)
    # U2 has 3 people: every cell is stored suppressed, with no value and no peer context.
    u2 = [r for r in rows if r["subject_id"] == "U2"]
    assert u2 and all(r["suppressed"] and r["value"] is None for r in u2)
    assert all(r["n_people"] == 3 and r["peer_n"] is None for r in u2)
