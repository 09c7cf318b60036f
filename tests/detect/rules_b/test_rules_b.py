"""Context suppression of the access, absence, conduct, declarations and vetting rules: the
benign look-alike is not flagged, the same behaviour without the context is."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from integritas.detect.catalogue import load_rules
from integritas.detect.engine import evaluate_rule
from integritas.detect.models import Mode, Tier
from integritas.detect.registry import RULES
from integritas.metrics.registry import METRICS, load_metrics

A, B = "P-AAAAAAAAAAAA", "P-BBBBBBBBBBBB"
MINE = ("access", "absence", "conduct", "declarations", "vetting")


def mv(metric: str, values: dict[str, float]) -> pa.Table:
    rows = [
        dict(
            subject_type="person",
            subject_id=p,
            metric=metric,
            version=1,
            tier="tertiary",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            value=v,
            suppressed=False,
            peer_group="U1",
            peer_n=len(values),
            peer_median=0.0,
            peer_mad=0.0,
            peer_percentile=100.0,
        )
        for p, v in values.items()
    ]
    return pa.Table.from_pylist(rows)


def table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    con.register(f"_{name}", pa.Table.from_pylist(rows))
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")


@pytest.fixture
def con():
    load_rules()
    c = duckdb.connect()
    yield c
    c.close()


def flagged(con, rule) -> set[str]:
    return {f.person_id for f in evaluate_rule(con, rule).flags}


def test_rules_refer_to_declared_metrics_and_route_by_tier() -> None:
    load_rules()
    load_metrics()
    mine = [
        r
        for r in RULES
        if r.metric in METRICS
        and METRICS[r.metric].spec.family
        in ("system_access", "absence", "conduct", "declarations", "vetting")
    ]
    assert len(mine) >= 25
    for r in mine:
        spec = METRICS[r.metric].spec
        assert r.tier.value == spec.tier.value, r.name
        assert r.explanation and r.rationale
    live_scenarios = {r.scenario for r in mine if r.mode is Mode.LIVE and r.tier is Tier.TERTIARY}
    assert {
        "system_misuse",
        "complaint_pattern",
        "undeclared_supplier_gifts",
        "undeclared_secondary_employment",
        "undeclared_membership",
        "vetting_lapsed",
        "training_overdue",
    } <= live_scenarios


def test_analysts_bulk_exports_are_suppressed(con) -> None:
    con.register("metric_values", mv("it_bulk_exports_no_reference", {A: 3.0, B: 3.0}))
    table(
        con,
        "hr_master",
        [dict(person_id=A, role="response_officer"), dict(person_id=B, role="analyst")],
    )
    rule = RULES["it_bulk_exports"]
    out = evaluate_rule(con, rule)
    assert {f.person_id for f in out.flags} == {A}
    assert [s.person_id for s in out.suppressed] == [B]
    assert "analytical role" in out.suppressed[0].reason
    assert flagged(con, rule.model_copy(update={"suppressors": ()})) == {A, B}


def test_declared_trading_name_suppresses_undeclared_directorship(con) -> None:
    con.register("metric_values", mv("undeclared_directorships", {A: 1.0, B: 1.0}))
    table(
        con,
        "linkage_accepted",
        [dict(person_id=A, record_id="R1"), dict(person_id=B, record_id="R2")],
    )
    table(
        con,
        "registry_company_directors",
        [
            dict(record_id="R1", organisation_name="Ay Trading Ltd"),
            dict(record_id="R2", organisation_name="Bee Consulting Services Limited"),
        ],
    )
    table(
        con,
        "business_interests",
        [
            dict(
                person_id=B,
                organisation_name="Bee Consulting",
                status="approved",
                declared_date=date(2024, 1, 1),
            ),
            dict(
                person_id=A,
                organisation_name="Private tutoring",
                status="approved",
                declared_date=date(2024, 1, 1),
            ),
        ],
    )
    rule = RULES["undeclared_directorship"]
    out = evaluate_rule(con, rule)
    assert {f.person_id for f in out.flags} == {A}
    assert [s.person_id for s in out.suppressed] == [B]
    assert flagged(con, rule.model_copy(update={"suppressors": ()})) == {A, B}


def test_reasonable_adjustment_suppresses_frequent_sickness(con) -> None:
    con.register("metric_values", mv("sickness_spells_12m", {A: 5.0, B: 5.0}))
    table(
        con,
        "absence",
        [
            dict(
                person_id=B,
                absence_type="sickness",
                start_date=date(2026, 2, 1),
                end_date=date(2026, 2, 2),
                reasonable_adjustment=True,
            ),
            dict(
                person_id=A,
                absence_type="sickness",
                start_date=date(2026, 2, 1),
                end_date=date(2026, 2, 2),
                reasonable_adjustment=False,
            ),
        ],
    )
    rule = RULES["frequent_sickness"]
    assert rule.tier is Tier.SECONDARY
    assert flagged(con, rule) == {A}
    assert flagged(con, rule.model_copy(update={"suppressors": ()})) == {A, B}


def test_night_rota_suppresses_off_duty_lookups(con) -> None:
    con.register("metric_values", mv("it_out_of_duty_lookups", {A: 4.0, B: 4.0}))
    table(
        con,
        "hr_master",
        [
            dict(person_id=A, working_pattern="full_time"),
            dict(person_id=B, working_pattern="nights"),
        ],
    )
    table(
        con,
        "duty_roster",
        [
            dict(
                shift_id="S1",
                person_id=A,
                shift_date=date(2026, 3, 2),
                shift_type="day",
                status="worked",
            )
        ],
    )
    con.execute("ALTER TABLE hr_master ADD COLUMN role VARCHAR")
    for col in (
        "is_supervisor BOOLEAN",
        "fte DOUBLE",
        "hybrid_policy_pct DOUBLE",
        "attendance_exemption BOOLEAN",
        "_batch_id VARCHAR",
        "_row_number BIGINT",
    ):
        con.execute(f"ALTER TABLE hr_master ADD COLUMN {col}")
    rule = RULES["it_off_duty_lookups"]
    assert flagged(con, rule) == {A}
    assert flagged(con, rule.model_copy(update={"suppressors": ()})) == {A, B}
