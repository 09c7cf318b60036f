from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from integritas.detect.engine import evaluate_rule, flag_id
from integritas.detect.models import Direction, Mode, Persistence, Rule, Tier
from integritas.detect.registry import RegistryError, RuleRegistry, SuppressorRegistry


def month(m: int) -> date:
    return date(2026, m, 1)


PEOPLE = [f"P-{i:012d}" for i in range(8)]


def rule(**kw) -> Rule:
    base = dict(
        name="self_edits",
        version=1,
        title="Self-edits",
        owner="PSD",
        tier=Tier.TERTIARY,
        metric="m",
        scenario="roster_manipulation",
        explanation="{value} self-edits; peers {peer_low}-{peer_high} (median {peer_median}).",
        rationale="test",
    )
    base.update(kw)
    return Rule(**base)


def test_threshold_rule_flags_only_at_or_above_threshold(con, load_metric) -> None:
    vals = {(p, 1): float(i) for i, p in enumerate(PEOPLE)}
    load_metric(vals)
    out = evaluate_rule(con, rule(threshold=6))
    assert sorted(f.person_id for f in out.flags) == PEOPLE[6:]
    assert out.flags[0].explanation.startswith("6 self-edits; peers ")


def test_below_direction_for_attendance(con, load_metric) -> None:
    vals = {(p, 1): 90.0 for p in PEOPLE} | {(PEOPLE[0], 1): 40.0}
    load_metric(vals)
    out = evaluate_rule(con, rule(threshold=80, direction=Direction.BELOW))
    assert [f.person_id for f in out.flags] == [PEOPLE[0]]


def test_robust_z_needs_a_big_enough_peer_group(con, load_metric) -> None:
    vals = {(p, 1): 1.0 for p in PEOPLE} | {(PEOPLE[0], 1): 20.0}
    load_metric(vals)
    assert [f.person_id for f in evaluate_rule(con, rule(min_robust_z=3)).flags] == [PEOPLE[0]]
    out = evaluate_rule(con, rule(min_robust_z=3, min_peer_group=9))
    assert out.flags == [], "8 peers is too small a group for a 9-peer minimum"


def test_mad_floor_keeps_z_finite_when_peers_agree(con, load_metric) -> None:
    vals = {(p, 1): 0.0 for p in PEOPLE} | {(PEOPLE[0], 1): 2.0}
    load_metric(vals)
    out = evaluate_rule(con, rule(min_robust_z=3, mad_floor=1.0))
    assert out.flags == []  # 2 / max(0, 1) = 2 < 3
    out = evaluate_rule(con, rule(min_robust_z=1.5, mad_floor=1.0))
    assert [f.robust_z for f in out.flags] == [2.0]


def test_persistence_three_of_four(con, load_metric) -> None:
    vals = {(p, m): 0.0 for p in PEOPLE for m in (1, 2, 3, 4)}
    for m in (1, 3, 4):
        vals[(PEOPLE[0], m)] = 9.0
    for m in (1, 4):
        vals[(PEOPLE[1], m)] = 9.0
    load_metric(vals)
    out = evaluate_rule(con, rule(threshold=5, persistence=Persistence(k=3, n=4)))
    assert [(f.person_id, f.period_start) for f in out.flags] == [(PEOPLE[0], month(4))]
    assert "3 times in 3 of the last 4 periods" in out.flags[0].explanation


def test_suppressor_removes_hit_and_records_why(con, load_metric) -> None:
    vals = {(p, 1): float(i) for i, p in enumerate(PEOPLE)}
    load_metric(vals)
    con.register("exempt", pa.Table.from_pylist([{"person_id": PEOPLE[7]}]))
    registry = SuppressorRegistry()

    @registry.register("exempt", description="approved exemption", reads=("hr_master.x",))
    def _sql(con, hits: str) -> str:
        return (
            f"SELECT h.person_id, h.period_start, 'approved exemption' FROM {hits} h "
            "JOIN exempt USING (person_id)"
        )

    out = evaluate_rule(con, rule(threshold=6, suppressors=("exempt",)), suppressors=registry)
    assert [f.person_id for f in out.flags] == [PEOPLE[6]]
    assert [(s.person_id, s.reason) for s in out.suppressed] == [(PEOPLE[7], "approved exemption")]
    without = evaluate_rule(con, rule(threshold=6), suppressors=registry)
    assert len(without.flags) == 2


def test_flag_ids_are_stable_and_distinct() -> None:
    r = rule(threshold=1)
    assert flag_id(r, "P-A", month(1)) == flag_id(r, "P-A", month(1))
    assert flag_id(r, "P-A", month(1)) != flag_id(r, "P-A", month(2))
    assert flag_id(r, "P-A", month(1)) != flag_id(rule(threshold=1, version=2), "P-A", month(1))


def test_rule_without_condition_is_rejected() -> None:
    with pytest.raises(ValueError, match="declares no condition"):
        rule()


def test_registry_rejects_duplicates() -> None:
    reg = RuleRegistry()
    reg.add(rule(threshold=1))
    with pytest.raises(RegistryError, match="already declared"):
        reg.add(rule(threshold=2, mode=Mode.LIVE))


def test_shadow_flags_never_reach_the_sink(con, load_metric, tmp_path) -> None:
    from integritas.detect.flags import hand_off, read_flags, write_flags
    from integritas.settings import Workspace

    vals = {(p, 1): float(i) for i, p in enumerate(PEOPLE)}
    load_metric(vals)
    live = evaluate_rule(con, rule(name="live_rule", threshold=7, mode=Mode.LIVE)).flags
    shadow = evaluate_rule(con, rule(name="shadow_rule", threshold=5)).flags

    class Sink:
        def __init__(self) -> None:
            self.received: list = []

        def receive(self, flags):
            self.received.extend(flags)
            return len(flags)

    sink = Sink()
    assert hand_off(live + shadow, sink) == 1
    assert {f.rule for f in sink.received} == {"live_rule"}
    ws = Workspace.from_settings(tmp_path)
    write_flags(ws, live + shadow, [])
    table = read_flags(ws)
    assert table.num_rows == 4
    assert sorted(set(table.column("mode").to_pylist())) == ["live", "shadow"]


def test_explanation_agrees_with_the_value() -> None:
    from integritas.detect.catalogue import load_rules
    from integritas.detect.engine import explain, inflect

    assert inflect("{value} [claim|claims] [was|were] late", 1) == "{value} claim was late"
    assert inflect("{value} [claim|claims] [was|were] late", 2) == "{value} claims were late"
    assert inflect("{value} [claim|claims]", 1.5) == "{value} claims"
    assert inflect("{value} [claim|claims]", None) == "{value} claims"
    rules = {r.name: r for r in load_rules()}
    row = {"value": 1.0, "period_start": month(1), "period_end": date(2026, 1, 31)}
    text = explain(rules["overtime_self_authorised"], row)
    assert text.startswith("1 overtime claim in the month was authorised by the claimant")
    text = explain(rules["overtime_self_authorised"], {**row, "value": 3.0})
    assert text.startswith("3 overtime claims in the month were authorised")
    for r in rules.values():  # every marker resolves, in both numbers
        for value in (1.0, 4.0):
            out = explain(r, {**row, "value": value})
            assert "[" not in out and "|" not in out, (r.name, out)
