"""Runner: output schema, suppression, peers, zero-fill, lineage, evidence and incremental runs."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow.parquet as pq
import pytest

from integritas.engine.testing import write_batch
from integritas.metrics.runner import MetricRunError, run_metrics
from integritas.metrics.values import (
    EVIDENCE_SCHEMA,
    VALUES_SCHEMA,
    evidence_path,
    read_values,
    values_path,
)
from integritas.settings import Workspace

WINDOW = {"start": date(2025, 1, 1), "end": date(2025, 2, 28)}
ONLY = ["roster_self_edits", "unit_overtime_claims_per_head", "unit_joiners"]


def test_schema_suppression_peers_and_evidence(tiny_ws: Workspace) -> None:
    report = run_metrics(tiny_ws, only=ONLY, **WINDOW)
    assert not report.failed, [r.error for r in report.failed]
    assert pq.read_schema(values_path(tiny_ws)).remove_metadata() == VALUES_SCHEMA
    assert pq.read_schema(evidence_path(tiny_ws)).remove_metadata() == EVIDENCE_SCHEMA
    rows = read_values(tiny_ws).to_pylist()
    assert {r["metric"] for r in rows} == set(ONLY)
    # Unit U2 (3 people) is below k=10: stored suppressed, never a value.
    u2 = [r for r in rows if r["subject_id"] == "U2"]
    assert len(u2) == 4 and all(r["suppressed"] and r["value"] is None for r in u2)
    u1 = {(r["metric"], r["period_start"]): r for r in rows if r["subject_id"] == "U1"}
    assert u1[("unit_joiners", date(2025, 2, 1))]["value"] == 1.0
    assert u1[("unit_joiners", date(2025, 2, 1))]["peer_group"] == "force"
    # Person metric: zero-filled for everyone in post; peers = unit + rank.
    self_edits = [r for r in rows if r["metric"] == "roster_self_edits"]
    jan = {r["subject_id"]: r for r in self_edits if r["period_start"] == date(2025, 1, 1)}
    assert len(jan) == 15  # 12 in U1 in January (P-A12 joins in February) + 3 in U2
    a01 = jan["P-A01"]
    assert a01["value"] == 1.0 and jan["P-A00"]["value"] == 0.0
    assert a01["peer_group"] == "unit+rank: U1 / Constable" and a01["peer_n"] == 12
    assert a01["peer_median"] == 0.0 and a01["peer_mad"] == 0.0
    assert a01["peer_percentile"] == pytest.approx((11 + 0.5) / 12 * 100)
    # U2 Sergeants: 3 people, below min_peer_group even force-wide: no comparison.
    assert jan["P-B00"]["peer_group"] is None and jan["P-B00"]["peer_n"] is None
    # Lineage: the committed batches of the sources the metric reads.
    assert len(a01["batch_ids"]) == 1 and a01["batch_ids"][0].startswith("B-")
    evidence = pq.read_table(evidence_path(tiny_ws)).to_pylist()
    assert [(e["subject_id"], e["source"], e["row_number"]) for e in evidence] == [
        ("P-A01", "roster_audit", 1)
    ]


def test_incremental_second_run_is_a_no_op_and_new_batch_touches_its_months(
    tiny_ws: Workspace,
) -> None:
    first = run_metrics(tiny_ws, only=ONLY, **WINDOW)
    assert len(first.computed) == 3
    before = {
        (r["metric"], r["subject_id"], r["period_start"]): r["computed_at"]
        for r in read_values(tiny_ws).to_pylist()
    }
    again = run_metrics(tiny_ws, only=ONLY, **WINDOW)
    assert again.computed == [] and "nothing to recompute" in "\n".join(again.summary())
    new_batch = write_batch(
        tiny_ws,
        "overtime_claims",
        [
            {
                "claim_id": "OT9",
                "person_id": "P-A06",
                "work_date": date(2025, 2, 20),
                "hours": 1.5,
                "status": "paid",
                "start_time": datetime(2025, 2, 20, 18),
                "end_time": datetime(2025, 2, 20, 19, 30),
            },
        ],
    )
    third = run_metrics(tiny_ws, only=ONLY, **WINDOW)
    assert [(r.name, r.windows) for r in third.computed] == [
        ("unit_overtime_claims_per_head", ((date(2025, 2, 1), date(2025, 2, 28)),))
    ]
    rows = read_values(tiny_ws).to_pylist()
    after = {(r["metric"], r["subject_id"], r["period_start"]): r for r in rows}
    assert len(after) == len(before)
    feb = after[("unit_overtime_claims_per_head", "U1", date(2025, 2, 1))]
    assert feb["value"] == pytest.approx(2 / 12)
    jan_key = ("unit_overtime_claims_per_head", "U1", date(2025, 1, 1))
    assert after[jan_key]["computed_at"] == before[jan_key]
    assert feb["computed_at"] > before[("unit_overtime_claims_per_head", "U1", date(2025, 2, 1))]
    assert new_batch in feb["batch_ids"] and len(feb["batch_ids"]) == 3  # hr + 2 overtime
    full = run_metrics(tiny_ws, only=ONLY, full=True, **WINDOW)
    assert len(full.computed) == 3


def test_bad_requests_fail_clearly_and_write_nothing(tiny_ws: Workspace) -> None:
    with pytest.raises(MetricRunError, match="no metric named nope"):
        run_metrics(tiny_ws, only=["nope"], **WINDOW)
    with pytest.raises(MetricRunError, match="after"):
        run_metrics(tiny_ws, start=date(2025, 3, 1), end=date(2025, 1, 1))
    assert not values_path(tiny_ws).exists()
