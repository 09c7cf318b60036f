"""A rule declared live reaches review only once it has passed the activation gate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from integritas.detect.models import Mode, Rule, Tier
from integritas.detect.service import metric_values_path, run_detection
from integritas.settings import Workspace
from integritas.store.testing import temporary_store
from integritas.transparency.gate import rule_gate
from integritas.transparency.models import Activation

RULE = Rule(
    name="gate_test_rule",
    version=2,
    title="Gate test",
    owner="test",
    tier=Tier.TERTIARY,
    mode=Mode.LIVE,
    metric="m",
    threshold=5.0,
    scenario="test",
    explanation="{value} things",
    rationale="test only",
)


def _workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "home")
    rows = [
        {
            "subject_type": "person",
            "subject_id": person,
            "metric": "m",
            "version": 1,
            "tier": "tertiary",
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "value": value,
            "suppressed": False,
            "peer_group": "U1",
            "peer_n": 3,
            "peer_median": 2.0,
            "peer_mad": 1.0,
            "peer_percentile": pct,
        }
        for person, value, pct in (("P-A", 9.0, 100.0), ("P-B", 1.0, 33.3), ("P-C", 2.0, 66.7))
    ]
    path = metric_values_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return ws


def test_live_rule_is_held_in_shadow_until_activated(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    held = run_detection(ws, rules=[RULE], activated=lambda rule: False)
    assert held.held_in_shadow == [RULE.key]
    assert [f.person_id for f in held.flags if f.rule == RULE.name] == ["P-A"]
    assert held.live() == []
    live = run_detection(ws, rules=[RULE], activated=lambda rule: True)
    assert live.held_in_shadow == []
    assert [f.person_id for f in live.live()] == ["P-A"]


def test_store_gate_knows_only_the_activated_version(tmp_path: Path) -> None:
    with temporary_store("sqlite", tmp_path) as engine:
        with Session(engine) as s, s.begin():
            s.add(
                Activation(
                    item_type="rule",
                    item_name=RULE.name,
                    item_version="2",
                    activated_by="Test Officer",
                    activated_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
        with Session(engine) as s:
            gate = rule_gate(s)
    assert gate(RULE)
    assert not gate(RULE.model_copy(update={"version": 3}))
    assert not gate(RULE.model_copy(update={"name": "other_rule"}))
