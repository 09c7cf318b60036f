"""From look-ups to a flag: unreferenced look-ups far above colleagues in the same role."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import pyarrow as pa

from integritas.detect.catalogue import load_rules
from integritas.detect.engine import evaluate_rule
from integritas.detect.registry import RULES
from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics

LOOKUPS = 200


def _scores(unreferenced: dict[str, tuple[str, int]]) -> dict[str, float]:
    """person -> (role, look-ups out of LOOKUPS with no reference) -> the metric's value."""
    hr, it = [], []
    for i, (pid, (role, unref)) in enumerate(sorted(unreferenced.items()), start=1):
        hr.append(dict(person_id=pid, role=role, _batch_id="B-hr", _row_number=i))
        it += [
            dict(
                event_id=f"{pid}-{k}",
                person_id=pid,
                incident_reference=None if k < unref else f"CAD{k}",
                event_time=datetime(2026, 3, 1) + timedelta(hours=k),
                _batch_id="B-it",
                _row_number=len(it) + k + 1,
            )
            for k in range(LOOKUPS)
        ]
    backend = ibis.duckdb.connect()
    for name, rows in (("hr_master", hr), ("it_access", it)):
        backend.con.register("_src", pa.Table.from_pylist(rows))
        backend.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
    load_metrics()
    ctx = MetricContext(backend, date(2026, 3, 1), date(2026, 3, 31))
    df = METRICS["it_no_reference_vs_role"].compute(ctx).to_pandas()
    return {r.subject_id: float(r.value) for r in df.itertuples()}


def test_only_the_person_far_above_their_role_is_flagged(con, load_metric) -> None:
    load_rules()
    rule = RULES["it_unreferenced_vs_role"]
    people = {f"P-OFFICER{i:03d}": ("response_officer", 10 + i % 5) for i in range(20)}
    people |= {f"P-CONTROL{i:03d}": ("control_room", 80 + i % 9) for i in range(20)}
    people["P-ODD000000000"] = ("response_officer", 40)  # 20% against colleagues' ~6%
    scores = _scores(people)
    load_metric({(p, 3): v for p, v in scores.items()}, metric=rule.metric)
    out = evaluate_rule(con, rule)
    # control-room staff leave 40-44% unreferenced and are not flagged: that is their role
    assert [f.person_id for f in out.flags] == ["P-ODD000000000"]
    flag = out.flags[0]
    assert flag.value >= rule.threshold
    assert "standard errors above colleagues in the same role" in flag.explanation
    assert f"{flag.value:.1f}" in flag.explanation
