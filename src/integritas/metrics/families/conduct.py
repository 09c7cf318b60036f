"""Complaints and conduct: complaint rates (early intervention) and patterns of possible
misconduct (the same allegation from different people, sustained findings, repeats after an
intervention)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.windows import count_in_window, evidence_rows, windowed

YEAR = 365
RECENT = 90
SUSTAINED_YEARS = 3
UPHELD = ("upheld", "sustained", "proven", "substantiated")
OWNER = "Head of Professional Standards"

_EIS: dict[str, Any] = dict(
    version=1,
    tier="secondary",
    subject="person",
    purpose="welfare",
    owner=OWNER,
    family="conduct",
    unit="complaints",
)
_TERTIARY: dict[str, Any] = dict(
    version=1, tier="tertiary", subject="person", purpose="conduct", owner=OWNER, family="conduct"
)


def complaints(ctx: MetricContext) -> ir.Table:
    t = ctx.table("complaints")
    return t.filter(t.received_date.notnull())


def _counted(days: int) -> tuple[Any, Any]:
    def compute(ctx: MetricContext) -> ir.Table:
        return count_in_window(ctx, complaints(ctx), "person_id", "received_date", days)

    def evidence(ctx: MetricContext) -> ir.Table:
        w = windowed(ctx, complaints(ctx), "person_id", "received_date", days)
        return evidence_rows(w, "complaints")

    return compute, evidence


_c12, _c12_ev = _counted(YEAR)
_c90, _c90_ev = _counted(RECENT)


@metric(
    name="complaints_12m",
    period="rolling_365d",
    reads=("complaints.person_id", "complaints.received_date"),
    description="Complaints received about the person in the 12 months to the month end.",
    explanation="{value:.0f} complaints in 12 months; peers in the same group: "
    "{peer_low:.0f}-{peer_high:.0f}",
    evidence=_c12_ev,
    **_EIS,
)
def complaints_12m(ctx: MetricContext) -> ir.Table:
    """Count of complaints by received_date in the 365 days to the period end."""
    return _c12(ctx)


@metric(
    name="complaints_90d",
    period="rolling_90d",
    reads=("complaints.person_id", "complaints.received_date"),
    description="Complaints received about the person in the 90 days to the month end "
    "(recency: a recent cluster matters more than an old one).",
    explanation="{value:.0f} complaints in the last 90 days; peers: {peer_low:.0f}-{peer_high:.0f}",
    evidence=_c90_ev,
    **_EIS,
)
def complaints_90d(ctx: MetricContext) -> ir.Table:
    """Count of complaints by received_date in the 90 days to the period end."""
    return _c90(ctx)


def _category_counts(ctx: MetricContext) -> ir.Table:
    c = complaints(ctx)
    c = c.filter(c.allegation_category.notnull())
    w = windowed(ctx, c, "person_id", "received_date", YEAR)
    key = w.complainant_reference_key.fill_null(w.complaint_id)
    w = w.mutate(_complainant=key)
    return w.group_by(["subject_id", "period_start", "allegation_category"]).aggregate(
        complainants=w._complainant.nunique()
    )


def _similar_evidence(ctx: MetricContext) -> ir.Table:
    c = complaints(ctx)
    c = c.filter(c.allegation_category.notnull())
    w = windowed(ctx, c, "person_id", "received_date", YEAR)
    cats = _category_counts(ctx)
    cats = cats.filter(cats.complainants >= 2).rename(
        k_subject="subject_id", k_period="period_start", k_cat="allegation_category"
    )
    j = w.join(
        cats,
        (w.subject_id == cats.k_subject)
        & (w.period_start == cats.k_period)
        & (w.allegation_category == cats.k_cat),
    )
    return evidence_rows(j, "complaints")


@metric(
    name="complaints_same_allegation",
    period="rolling_365d",
    reads=(
        "complaints.complaint_id",
        "complaints.person_id",
        "complaints.received_date",
        "complaints.allegation_category",
        "complaints.complainant_reference_key",
    ),
    description="The largest number of different complainants making the same kind of "
    "allegation about the person in the 12 months to the month end.",
    explanation="{value:.0f} different complainants made the same kind of allegation in 12 months",
    unit="complainants",
    evidence=_similar_evidence,
    **_TERTIARY,
)
def complaints_same_allegation(ctx: MetricContext) -> ir.Table:
    """max over allegation_category of distinct complainant_reference_key (a complaint with no
    complainant key counts as its own complainant), 365-day window."""
    cats = _category_counts(ctx)
    return cats.group_by(["subject_id", "period_start"]).aggregate(
        value=cats.complainants.max().cast("float64")
    )


def _upheld(value: ir.StringValue) -> ir.BooleanValue:
    return value.lower().isin(UPHELD)


def sustained(ctx: MetricContext) -> ir.Table:
    """Upheld complaints (by finalised date) and proven conduct matters (by closed date)."""
    c = ctx.table("complaints")
    c = c.filter(_upheld(c.outcome) & c.finalised_date.notnull())
    c = c.select(
        "person_id",
        day=c.finalised_date,
        source=ibis.literal("complaints", type="string"),
        _batch_id=c._batch_id,
        _row_number=c._row_number,
    )
    m = ctx.table("conduct_matters")
    m = m.filter(_upheld(m.finding) & m.closed_date.notnull())
    m = m.select(
        "person_id",
        day=m.closed_date,
        source=ibis.literal("conduct_matters", type="string"),
        _batch_id=m._batch_id,
        _row_number=m._row_number,
    )
    return c.union(m)


def _sourced_evidence(w: ir.Table) -> ir.Table:
    return w.select(
        subject_id=w.subject_id,
        period_start=w.period_start,
        source=w.source,
        batch_id=w._batch_id.cast("string"),
        row_number=w._row_number.cast("int64"),
    ).distinct()


@metric(
    name="sustained_findings_3y",
    period=f"rolling_{SUSTAINED_YEARS * YEAR}d",
    reads=(
        "complaints.person_id",
        "complaints.outcome",
        "complaints.finalised_date",
        "conduct_matters.person_id",
        "conduct_matters.finding",
        "conduct_matters.closed_date",
    ),
    description="Upheld complaints and proven conduct matters finalised in the three years to "
    "the month end.",
    explanation="{value:.0f} upheld complaints or proven conduct findings in three years",
    unit="findings",
    evidence=lambda ctx: _sourced_evidence(
        windowed(ctx, sustained(ctx), "person_id", "day", SUSTAINED_YEARS * YEAR)
    ),
    **_TERTIARY,
)
def sustained_findings_3y(ctx: MetricContext) -> ir.Table:
    """Count of complaints with an upheld outcome and conduct matters with a proven finding,
    dated by when they were finalised, 3-year window."""
    return count_in_window(ctx, sustained(ctx), "person_id", "day", SUSTAINED_YEARS * YEAR)


def interventions(ctx: MetricContext) -> ir.Table:
    """Closed conduct matters that ended in an intervention: a proven finding or a sanction
    (reflective practice and management action included)."""
    m = ctx.table("conduct_matters")
    sanction = m.sanction.lower().fill_null("none")
    done = m.closed_date.notnull() & (_upheld(m.finding) | ~sanction.isin(("none", "")))
    return m.filter(done)


def _repeats(ctx: MetricContext) -> ir.Table:
    """Complaints received within 12 months after an intervention closed, with both rows."""
    c = complaints(ctx)
    i = interventions(ctx).select(
        i_person="person_id",
        i_closed="closed_date",
        i_batch="_batch_id",
        i_row="_row_number",
    )
    j = c.join(i, c.person_id == i.i_person, how="inner")
    j = j.filter(
        (j.received_date > j.i_closed) & (j.received_date <= j.i_closed + ibis.interval(days=YEAR))
    )
    return j


@metric(
    name="complaints_after_intervention",
    period="month",
    reads=(
        "complaints.person_id",
        "complaints.received_date",
        "conduct_matters.person_id",
        "conduct_matters.closed_date",
        "conduct_matters.finding",
        "conduct_matters.sanction",
    ),
    description="Complaints received in the month within 12 months after a conduct matter "
    "closed with a finding or sanction (repeat after intervention).",
    explanation="{value:.0f} new complaints in the month within a year of an intervention",
    unit="complaints",
    evidence=lambda ctx: _repeat_evidence(ctx),
    **_TERTIARY,
)
def complaints_after_intervention(ctx: MetricContext) -> ir.Table:
    """Count of distinct complaints received in the month with an intervention (proven finding
    or sanction) closed in the preceding 365 days."""
    j = _repeats(ctx).select("person_id", "received_date", "complaint_id").distinct()
    return count_in_window(ctx, j, "person_id", "received_date", None)


def _repeat_evidence(ctx: MetricContext) -> ir.Table:
    w = windowed(ctx, _repeats(ctx), "person_id", "received_date", None)
    comp = evidence_rows(w, "complaints")
    prior = w.select(
        subject_id=w.subject_id,
        period_start=w.period_start,
        source=ibis.literal("conduct_matters", type="string"),
        batch_id=w.i_batch.cast("string"),
        row_number=w.i_row.cast("int64"),
    ).distinct()
    return comp.union(prior, distinct=True)
