"""Expected outputs of the access, absence, conduct, declarations and vetting families on a
tiny hand-made force (three people, January to March 2026)."""

from __future__ import annotations

from datetime import date, datetime

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics

A, B, C = "P-AAAAAAAAAAAA", "P-BBBBBBBBBBBB", "P-CCCCCCCCCCCC"
FAMILIES = ("system_access", "absence", "conduct", "declarations", "vetting")
T = datetime.fromisoformat
D = date.fromisoformat

TYPES = {
    "hr_master": dict(
        person_id="string",
        surname_key="string",
        home_postcode_key="string",
        role="string",
        start_date="date",
        leave_date="date",
    ),
    "duty_roster": dict(
        shift_id="string",
        person_id="string",
        shift_date="date",
        rostered_start="timestamp",
        rostered_end="timestamp",
        actual_start="timestamp",
        actual_end="timestamp",
        shift_type="string",
        status="string",
    ),
    "it_access": dict(
        event_id="string",
        person_id="string",
        query_type="string",
        subject_reference_key="string",
        subject_person_id="string",
        subject_surname_key="string",
        subject_postcode_key="string",
        restricted_record="boolean",
        incident_reference="string",
        event_time="timestamp",
        records_returned="int64",
    ),
    "absence": dict(
        absence_id="string",
        person_id="string",
        absence_type="string",
        start_date="date",
        end_date="date",
        reasonable_adjustment="boolean",
    ),
    "overtime_claims": dict(claim_id="string", person_id="string", work_date="date"),
    "complaints": dict(
        complaint_id="string",
        person_id="string",
        received_date="date",
        allegation_category="string",
        complainant_reference_key="string",
        outcome="string",
        finalised_date="date",
    ),
    "conduct_matters": dict(
        matter_id="string",
        person_id="string",
        opened_date="date",
        closed_date="date",
        matter_type="string",
        finding="string",
        sanction="string",
    ),
    "suppliers": dict(supplier_id="string", supplier_name="string"),
    "gifts_hospitality": dict(
        entry_id="string",
        person_id="string",
        offered_date="date",
        offeror_name="string",
        supplier_id="string",
        value_gbp="float64",
        accepted="boolean",
        approved="boolean",
    ),
    "expenses": dict(
        claim_id="string",
        person_id="string",
        claim_date="date",
        supplier_name="string",
        supplier_id="string",
    ),
    "business_interests": dict(
        declaration_id="string",
        person_id="string",
        declared_date="date",
        interest_type="string",
        organisation_name="string",
        company_number="string",
        hours_per_week="float64",
        status="string",
        review_date="date",
    ),
    "associations": dict(
        declaration_id="string",
        person_id="string",
        declared_date="date",
        organisation_name="string",
        status="string",
    ),
    "registry_company_directors": dict(
        record_id="string",
        organisation_name="string",
        organisation_id="string",
        start_date="date",
        end_date="date",
    ),
    "registry_memberships": dict(
        record_id="string",
        organisation_name="string",
        organisation_id="string",
        start_date="date",
        end_date="date",
    ),
    "vetting": dict(
        vetting_id="string",
        person_id="string",
        granted_date="date",
        review_due_date="date",
        status="string",
    ),
    "training": dict(
        record_id="string",
        person_id="string",
        mandatory="boolean",
        due_date="date",
        completed_date="date",
    ),
}


def _it(i: str, who: str, when: str, ref: str | None = None, **kw: object) -> dict:
    row = dict(
        event_id=i,
        person_id=who,
        query_type="person_search",
        event_time=T(when),
        incident_reference=ref,
        records_returned=1,
        restricted_record=False,
        subject_reference_key=f"S-{i}",
    )
    row.update(kw)
    return row


ROWS: dict[str, list[dict]] = {
    "hr_master": [
        dict(
            person_id=A,
            surname_key="SK1",
            home_postcode_key="PC1",
            role="response_officer",
            start_date=D("2015-01-01"),
        ),
        dict(
            person_id=B,
            surname_key="SK2",
            home_postcode_key="PC2",
            role="analyst",
            start_date=D("2015-01-01"),
        ),
        dict(
            person_id=C,
            surname_key="SK3",
            home_postcode_key="PC3",
            role="custody",
            start_date=D("2015-01-01"),
            leave_date=D("2026-01-20"),
        ),
    ],
    "duty_roster": [
        dict(
            shift_id="S1",
            person_id=A,
            shift_date=D("2026-01-05"),
            shift_type="day",
            status="worked",
            rostered_start=T("2026-01-05 08:00"),
            rostered_end=T("2026-01-05 16:00"),
            actual_start=T("2026-01-05 08:00"),
            actual_end=T("2026-01-05 16:00"),
        ),
        dict(
            shift_id="S2",
            person_id=A,
            shift_date=D("2026-01-06"),
            shift_type="night",
            status="worked",
            rostered_start=T("2026-01-06 22:00"),
            rostered_end=T("2026-01-07 06:00"),
            actual_start=T("2026-01-06 22:00"),
            actual_end=T("2026-01-07 06:00"),
        ),
        dict(
            shift_id="S3",
            person_id=A,
            shift_date=D("2026-01-09"),
            shift_type="rest",
            status="rest_day",
        ),
        dict(
            shift_id="S4",
            person_id=B,
            shift_date=D("2026-01-02"),
            shift_type="day",
            status="worked",
            rostered_start=T("2026-01-02 08:00"),
            rostered_end=T("2026-01-02 16:00"),
            actual_start=T("2026-01-02 08:00"),
            actual_end=T("2026-01-02 16:00"),
        ),
    ],
    "it_access": [
        _it("1", A, "2026-01-05 09:00", "CAD1", subject_surname_key="SK9"),
        _it("2", A, "2026-01-05 10:00", subject_surname_key="SK1", subject_reference_key="R"),
        _it("3", A, "2026-01-07 03:00", subject_postcode_key="PC1", subject_reference_key="R"),
        _it("4", A, "2026-01-08 12:00", subject_person_id=B),
        _it("5", A, "2026-01-05 11:00", query_type="bulk_export", records_returned=500),
        _it("6", A, "2026-02-10 12:00", "CAD2"),
        _it("7", B, "2025-10-15 10:00", "CAD3"),
        _it("8", B, "2025-11-15 10:00", "CAD4"),
        _it("9", B, "2025-12-15 10:00", "CAD5"),
        _it("10", B, "2026-01-05 10:00", restricted_record=True),
        _it("11", B, "2026-01-06 10:00", "CAD6"),
        _it("12", B, "2026-01-07 10:00", "CAD7"),
    ],
    "absence": [
        dict(
            absence_id="AB1",
            person_id=A,
            absence_type="sickness",
            start_date=D("2026-01-10"),
            end_date=D("2026-01-11"),
            reasonable_adjustment=False,
        ),
        dict(
            absence_id="AB2",
            person_id=A,
            absence_type="sickness",
            start_date=D("2026-02-02"),
            end_date=D("2026-02-03"),
            reasonable_adjustment=True,
        ),
        dict(
            absence_id="AB3",
            person_id=B,
            absence_type="sickness",
            start_date=D("2026-01-05"),
            end_date=D("2026-02-10"),
            reasonable_adjustment=False,
        ),
        dict(
            absence_id="AB4",
            person_id=B,
            absence_type="annual_leave",
            start_date=D("2026-03-02"),
            end_date=D("2026-03-06"),
            reasonable_adjustment=False,
        ),
    ],
    "overtime_claims": [dict(claim_id="OT1", person_id=B, work_date=D("2026-01-20"))],
    "complaints": [
        dict(
            complaint_id="CO1",
            person_id=A,
            received_date=D("2026-01-10"),
            allegation_category="incivility",
            complainant_reference_key="K1",
            outcome="upheld",
            finalised_date=D("2026-02-15"),
        ),
        dict(
            complaint_id="CO2",
            person_id=A,
            received_date=D("2026-01-20"),
            allegation_category="incivility",
            complainant_reference_key="K2",
            outcome="pending",
        ),
        dict(
            complaint_id="CO3",
            person_id=A,
            received_date=D("2026-02-05"),
            allegation_category="incivility",
            complainant_reference_key="K2",
            outcome="pending",
        ),
        dict(
            complaint_id="CO4",
            person_id=A,
            received_date=D("2026-02-06"),
            allegation_category="use_of_force",
            complainant_reference_key="K3",
            outcome="pending",
        ),
    ],
    "conduct_matters": [
        dict(
            matter_id="CM1",
            person_id=A,
            opened_date=D("2025-06-01"),
            closed_date=D("2025-12-01"),
            matter_type="misconduct",
            finding="proven",
            sanction="written_warning",
        ),
        dict(
            matter_id="CM2",
            person_id=B,
            opened_date=D("2025-06-01"),
            closed_date=D("2025-12-01"),
            matter_type="misconduct",
            finding="no_case",
            sanction="none",
        ),
    ],
    "suppliers": [dict(supplier_id="SUP1", supplier_name="Acme Widgets Ltd")],
    "gifts_hospitality": [
        dict(
            entry_id="G1",
            person_id=A,
            offered_date=D("2026-01-12"),
            offeror_name="ACME WIDGETS LIMITED",
            value_gbp=200.0,
            accepted=True,
        ),
        dict(
            entry_id="G2",
            person_id=B,
            offered_date=D("2026-01-12"),
            offeror_name="Acme Widgets Ltd",
            supplier_id="SUP1",
            value_gbp=50.0,
            accepted=True,
            approved=True,
        ),
        dict(
            entry_id="G3",
            person_id=B,
            offered_date=D("2026-01-13"),
            offeror_name="Acme Widgets Ltd",
            supplier_id="SUP1",
            value_gbp=80.0,
            accepted=False,
        ),
    ],
    "expenses": [
        dict(claim_id="EX1", person_id=A, claim_date=D("2026-02-01"), supplier_name="Acme Widgets")
    ],
    "business_interests": [
        dict(
            declaration_id="BI1",
            person_id=B,
            declared_date=D("2024-01-01"),
            interest_type="directorship",
            organisation_name="Bee Consulting",
            company_number="00123",
            hours_per_week=10.0,
            status="approved",
            review_date=D("2025-01-01"),
        ),
    ],
    "associations": [
        dict(
            declaration_id="AS1",
            person_id=A,
            declared_date=D("2026-02-15"),
            organisation_name="Order of X",
            status="noted",
        ),
    ],
    "registry_company_directors": [
        dict(
            record_id="R1",
            organisation_name="Ay Trading Ltd",
            organisation_id="999",
            start_date=D("2025-06-01"),
        ),
        dict(
            record_id="R2",
            organisation_name="BEE CONSULTANTS LIMITED",
            organisation_id="123",
            start_date=D("2023-06-01"),
        ),
    ],
    "registry_memberships": [
        dict(
            record_id="M1",
            organisation_name="Order of X",
            organisation_id="ORD1",
            start_date=D("2025-01-01"),
        ),
    ],
    "vetting": [
        dict(
            vetting_id="V1",
            person_id=A,
            granted_date=D("2020-01-01"),
            review_due_date=D("2025-06-01"),
            status="lapsed",
        ),
        dict(
            vetting_id="V2",
            person_id=B,
            granted_date=D("2019-01-01"),
            review_due_date=D("2025-12-15"),
            status="current",
        ),
        dict(
            vetting_id="V3",
            person_id=C,
            granted_date=D("2019-01-01"),
            review_due_date=D("2025-06-15"),
            status="lapsed",
        ),
    ],
    "training": [
        dict(record_id="TR1", person_id=A, mandatory=True, due_date=D("2025-09-01")),
        dict(record_id="TR2", person_id=B, mandatory=True, due_date=D("2026-01-15")),
        dict(record_id="TR3", person_id=B, mandatory=False, due_date=D("2025-06-01")),
        dict(
            record_id="TR4",
            person_id=A,
            mandatory=True,
            due_date=D("2025-12-01"),
            completed_date=D("2025-11-20"),
        ),
    ],
}
LINKAGE = [
    dict(person_id=A, registry="registry_company_directors", record_id="R1"),
    dict(person_id=B, registry="registry_company_directors", record_id="R2"),
    dict(person_id=A, registry="registry_memberships", record_id="M1"),
]


PA = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
    "int64": pa.int64(),
    "float64": pa.float64(),
}


def build_backend(rows: dict[str, list[dict]] = ROWS, linkage: list[dict] = LINKAGE):
    """In-memory DuckDB backend with one table per source (lineage columns included)."""
    backend = ibis.duckdb.connect()
    for name, types in TYPES.items():
        schema = pa.schema(
            [(c, PA[t]) for c, t in types.items()]
            + [("_batch_id", pa.string()), ("_row_number", pa.int64())]
        )
        data = [
            {**{c: r.get(c) for c in types}, "_batch_id": f"B-{name}", "_row_number": i}
            for i, r in enumerate(rows.get(name, []), start=1)
        ]
        backend.con.register("_src", pa.Table.from_pylist(data, schema=schema))
        backend.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        backend.con.unregister("_src")
    cols = ["person_id", "registry", "record_id"]
    lk = pa.Table.from_pylist(linkage, schema=pa.schema([(c, pa.string()) for c in cols]))
    backend.con.register("_src", lk)
    backend.con.execute("CREATE TABLE linkage_accepted AS SELECT * FROM _src")
    backend.con.unregister("_src")
    return backend


@pytest.fixture(scope="module")
def ctx() -> MetricContext:
    load_metrics()
    return MetricContext(build_backend(), date(2026, 1, 1), date(2026, 3, 31))


def values(ctx: MetricContext, name: str) -> dict[tuple[str, int], float]:
    df = METRICS[name].compute(ctx).to_pandas()
    assert list(df.columns) == ["subject_id", "period_start", "value"]
    return {
        (r.subject_id, pd.Timestamp(r.period_start).month): round(float(r.value), 3)
        for r in df.itertuples()
    }


def m3(person: str, *vals: float) -> dict[tuple[str, int], float]:
    return {(person, i + 1): v for i, v in enumerate(vals) if v is not None}


EXPECTED: dict[str, dict[tuple[str, int], float]] = {
    "it_lookups_no_incident": m3(A, 4, 4, 4) | m3(B, 1, 1, 1),
    "it_no_incident_share": m3(A, 80.0, 66.667, 66.667) | m3(B, 20.0, 25.0, 33.333),
    # each role has one holder, so each is compared with the rest of the force (the other);
    # with two people the robust z is +-1/1.4826 (their binomial scores: A 3.07, B -3.36 in
    # January; +-2.62 after)
    "it_no_reference_vs_role": m3(A, 0.674, 0.674, 0.674) | m3(B, -0.674, -0.674, -0.674),
    "it_colleague_lookups_no_reference": m3(A, 1, 1, 1),
    "it_restricted_lookups_no_reference": m3(B, 1, 1, 1),
    "it_same_surname_lookups": m3(A, 1, 1, 1),
    "it_same_postcode_lookups": m3(A, 1, 1, 1),
    "it_bulk_exports_no_reference": m3(A, 1, 1, 1),
    "it_out_of_duty_lookups": m3(A, 1, 2, 2) | m3(B, 5, 4, 3),  # B: no shift
    "it_lookup_volume_vs_baseline": {(B, 1): 3.0},
    "it_repeat_subject_lookups": {(A, 1): 2.0},
    "sickness_spells_12m": m3(A, 1, 1, 1) | m3(B, 1, 1, 1),
    "bradford_factor_12m": m3(A, 2, 2, 2) | m3(B, 37, 37, 37),
    "sickness_days_month": {(A, 1): 2.0, (B, 1): 27.0, (B, 2): 10.0},
    "long_term_sickness": {(B, 1): 37.0, (B, 2): 37.0},
    "short_sickness_next_to_rest_days": m3(A, 1, 1, 1),
    "activity_while_sick": {(B, 1): 4.0},
    "complaints_12m": m3(A, 2, 4, 4),
    "complaints_90d": m3(A, 2, 4, 4),
    "complaints_same_allegation": m3(A, 2, 2, 2),
    "sustained_findings_3y": m3(A, 1, 2, 2),
    "complaints_after_intervention": {(A, 1): 2.0, (A, 2): 2.0},
    "supplier_gifts_unapproved": m3(A, 1, 1, 1),
    "gifts_value_12m": m3(A, 200, 200, 200) | m3(B, 50, 50, 50),
    "expenses_to_gift_supplier": {(A, 2): 1.0},
    "business_interest_review_overdue": m3(B, 1, 1, 1),
    "second_job_plus_duty_hours": {(B, 1): round(8 / (31 / 7) + 10, 3)},
    "undeclared_directorships": m3(A, 1, 1, 1),
    "undeclared_memberships": {(A, 1): 1.0},
    "vetting_lapsed": m3(A, 1, 1, 1),
    "vetting_review_overdue_days": m3(B, 47, 75, 106),
    "mandatory_training_long_overdue": m3(A, 1, 1, 1),
    "mandatory_training_overdue": m3(B, 1, 1, 1),
}


def test_every_metric_of_these_families_has_an_expected_output() -> None:
    load_metrics()
    mine = {m.name for m in METRICS if m.spec.family in FAMILIES}
    assert mine == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_values(ctx: MetricContext, name: str) -> None:
    assert values(ctx, name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_evidence_rows_resolve_to_real_rows(ctx: MetricContext, name: str) -> None:
    m = METRICS[name]
    if m.evidence is None:
        assert m.spec.tier.value != "tertiary"
        return
    ev = m.evidence(ctx).to_pandas()
    assert list(ev.columns) == ["subject_id", "period_start", "source", "batch_id", "row_number"]
    got = values(ctx, name)
    keys = {(r.subject_id, pd.Timestamp(r.period_start).month) for r in ev.itertuples()}
    flagged = {k for k, v in got.items() if v > 0}
    assert flagged <= keys, "every positive value has evidence"
    for r in ev.itertuples():
        assert r.batch_id == f"B-{r.source}"
        n = len(ROWS[r.source])
        assert 1 <= r.row_number <= n, (r.source, r.row_number)
        row = ROWS[r.source][r.row_number - 1]
        if "person_id" in row:
            assert row["person_id"] == r.subject_id


def test_reasonable_adjustment_spells_are_not_counted(ctx: MetricContext) -> None:
    # A's February spell is under an adjustment: no sickness days for A in February
    assert (A, 2) not in values(ctx, "sickness_days_month")


def test_leavers_are_not_reported_for_vetting(ctx: MetricContext) -> None:
    assert all(p != C for p, _ in values(ctx, "vetting_lapsed"))


def test_declared_similar_company_is_not_undeclared(ctx: MetricContext) -> None:
    # B declared "Bee Consulting" under company number 00123; the register says 123
    assert all(p != B for p, _ in values(ctx, "undeclared_directorships"))
