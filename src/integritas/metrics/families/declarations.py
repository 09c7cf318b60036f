"""Declarations: gifts and hospitality from suppliers, business interests and associations,
expenses paid to gift-giving suppliers and second-job hours (registry appointments nobody
declared are in ``undeclared``).

Organisation names are compared after normalisation (lower case, ``&`` as "and", punctuation
and legal-form words such as Ltd / Limited / PLC dropped, spaces squeezed), the same rule the
linkage package uses, so "Acme Widgets Ltd" and "ACME WIDGETS LIMITED" are one organisation.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import safe_div
from integritas.metrics.windows import (
    calendar,
    count_in_window,
    evidence_rows,
    windowed,
)

OWNER = "Head of Professional Standards"
YEAR = 365
WORKING_WEEK_DAYS = 7.0
_LEGAL_WORDS = r"\b(limited|ltd|plc|llp|lp|cic|company|co|incorporated|inc|the|and|uk|group)\b"
WITHDRAWN_STATUSES = ("withdrawn",)  # statuses that no longer declare anything

CONDUCT_TERTIARY: dict[str, Any] = dict(
    version=1,
    tier="tertiary",
    subject="person",
    purpose="conduct",
    owner=OWNER,
    family="declarations",
)


def normalise_org(name: ir.StringValue) -> ir.StringValue:
    """Engine-neutral organisation-name normalisation (see the module docstring)."""
    text = name.lower().replace("&", " and ")
    text = text.re_replace(r"[^a-z0-9 ]", " ")
    text = text.re_replace(_LEGAL_WORDS, " ")
    return text.re_replace(r"\s+", " ").strip()


def normalise_number(num: ir.StringValue) -> ir.StringValue:
    return num.upper().re_replace(r"[^A-Z0-9]", "").re_replace(r"^0+", "")


# --- gifts from suppliers ---------------------------------------------------------------------


def supplier_gifts(ctx: MetricContext) -> ir.Table:
    """Accepted gifts or hospitality whose offeror is a supplier (by supplier id, or by the
    normalised offeror name equal to a supplier's normalised name)."""
    g = ctx.table("gifts_hospitality")
    g = g.filter(g.accepted.fill_null(False) & g.offered_date.notnull())
    g = g.mutate(_offeror=normalise_org(g.offeror_name.fill_null("")))
    s = ctx.table("suppliers")
    s = s.select(s_id=s.supplier_id, s_name=normalise_org(s.supplier_name.fill_null(""))).distinct()
    j = g.join(
        s,
        (g.supplier_id == s.s_id) | ((g._offeror == s.s_name) & (s.s_name != "")),
        how="semi",
    )
    return j


def unapproved_supplier_gifts(ctx: MetricContext) -> ir.Table:
    g = supplier_gifts(ctx)
    return g.filter(~g.approved.fill_null(False))


_GIFT_READS = (
    "gifts_hospitality.person_id",
    "gifts_hospitality.offered_date",
    "gifts_hospitality.offeror_name",
    "gifts_hospitality.supplier_id",
    "gifts_hospitality.accepted",
    "gifts_hospitality.approved",
    "suppliers.supplier_id",
    "suppliers.supplier_name",
)


@metric(
    name="supplier_gifts_unapproved",
    period="rolling_365d",
    reads=_GIFT_READS,
    description="Gifts or hospitality from a force supplier accepted without a recorded "
    "approval, in the 12 months to the month end.",
    explanation="{value:.0f} gifts from suppliers accepted without approval in 12 months",
    unit="gifts",
    evidence=lambda ctx: evidence_rows(
        windowed(ctx, unapproved_supplier_gifts(ctx), "person_id", "offered_date", YEAR),
        "gifts_hospitality",
    ),
    **CONDUCT_TERTIARY,
)
def supplier_gifts_unapproved(ctx: MetricContext) -> ir.Table:
    """Count of accepted gifts_hospitality rows matched to a supplier (id or normalised name)
    whose approved flag is not true, 365-day window by offered_date."""
    return count_in_window(ctx, unapproved_supplier_gifts(ctx), "person_id", "offered_date", YEAR)


def _accepted_gifts(ctx: MetricContext) -> ir.Table:
    g = ctx.table("gifts_hospitality")
    return g.filter(g.accepted.fill_null(False) & g.offered_date.notnull())


@metric(
    name="gifts_value_12m",
    period="rolling_365d",
    reads=(
        "gifts_hospitality.person_id",
        "gifts_hospitality.offered_date",
        "gifts_hospitality.accepted",
        "gifts_hospitality.value_gbp",
    ),
    description="Total value of gifts and hospitality accepted in the 12 months to the month end.",
    explanation="£{value:.0f} of gifts and hospitality accepted in 12 months; peers: "
    "£{peer_low:.0f}-£{peer_high:.0f}",
    unit="GBP",
    evidence=lambda ctx: evidence_rows(
        windowed(ctx, _accepted_gifts(ctx), "person_id", "offered_date", YEAR),
        "gifts_hospitality",
    ),
    **CONDUCT_TERTIARY,
)
def gifts_value_12m(ctx: MetricContext) -> ir.Table:
    """Sum of value_gbp of accepted gifts_hospitality rows, 365-day window."""
    w = windowed(ctx, _accepted_gifts(ctx), "person_id", "offered_date", YEAR)
    return w.group_by(["subject_id", "period_start"]).aggregate(
        value=w.value_gbp.fill_null(0).sum().cast("float64")
    )


def _expense_links(ctx: MetricContext) -> ir.Table:
    """Expense claims paid to a supplier from whom the claimant accepted a gift in the 365
    days before the claim (supplier matched by id or normalised name)."""
    e = ctx.table("expenses")
    e = e.filter(e.claim_date.notnull()).mutate(_sname=normalise_org(e.supplier_name.fill_null("")))
    g = supplier_gifts(ctx)
    s = ctx.table("suppliers")
    s = s.select(s_id=s.supplier_id, s_name=normalise_org(s.supplier_name.fill_null("")))
    g = g.join(
        s, (g.supplier_id == s.s_id) | ((g._offeror == s.s_name) & (s.s_name != "")), how="inner"
    )
    g = g.select(
        g_person=g.person_id,
        g_sid=g.s_id,
        g_sname=g.s_name,
        g_day=g.offered_date,
        g_batch=g._batch_id,
        g_row=g._row_number,
    )
    j = e.join(
        g,
        (e.person_id == g.g_person)
        & ((e.supplier_id == g.g_sid) | ((e._sname == g.g_sname) & (e._sname != ""))),
        how="inner",
    )
    return j.filter(
        (j.g_day <= j.claim_date) & (j.g_day >= j.claim_date - ibis.interval(days=YEAR))
    )


def _expense_evidence(ctx: MetricContext) -> ir.Table:
    w = windowed(ctx, _expense_links(ctx), "person_id", "claim_date", None)
    gift = w.select(
        subject_id=w.subject_id,
        period_start=w.period_start,
        source=ibis.literal("gifts_hospitality", type="string"),
        batch_id=w.g_batch.cast("string"),
        row_number=w.g_row.cast("int64"),
    )
    return evidence_rows(w, "expenses").union(gift, distinct=True)


@metric(
    name="expenses_to_gift_supplier",
    period="month",
    reads=(
        "expenses.person_id",
        "expenses.claim_date",
        "expenses.supplier_id",
        "expenses.supplier_name",
        *_GIFT_READS,
    ),
    description="Expense claims in the month paid to a supplier from whom the claimant "
    "accepted a gift or hospitality in the previous 12 months.",
    explanation="{value:.0f} expense claims in the month paid to a supplier that gave the "
    "claimant a gift",
    unit="claims",
    evidence=_expense_evidence,
    **CONDUCT_TERTIARY,
)
def expenses_to_gift_supplier(ctx: MetricContext) -> ir.Table:
    """Count of distinct expenses claims whose supplier (id or normalised name) gave the same
    person an accepted gift in the 365 days up to the claim date."""
    j = _expense_links(ctx).select("person_id", "claim_id", "claim_date").distinct()
    return count_in_window(ctx, j, "person_id", "claim_date", None)


# --- business interests and associations ------------------------------------------------------


def _overdue_reviews(ctx: MetricContext) -> ir.Table:
    b = ctx.table("business_interests")
    b = b.filter(b.review_date.notnull() & (b.status.lower().fill_null("") == "approved"))
    j = b.cross_join(calendar(ctx))
    j = j.filter(
        (j.review_date < j.period_end) & (j.declared_date.fill_null(j.review_date) <= j.period_end)
    )
    return j.mutate(subject_id=j.person_id.cast("string"))


@metric(
    name="business_interest_review_overdue",
    period="month",
    reads=(
        "business_interests.person_id",
        "business_interests.declared_date",
        "business_interests.status",
        "business_interests.review_date",
    ),
    description="Approved business interests whose review date had passed by the month end.",
    explanation="{value:.0f} approved business interests past their review date",
    unit="interests",
    evidence=lambda ctx: evidence_rows(_overdue_reviews(ctx), "business_interests"),
    **CONDUCT_TERTIARY,
)
def business_interest_review_overdue(ctx: MetricContext) -> ir.Table:
    """Count of approved business_interests rows with review_date before the period end."""
    j = _overdue_reviews(ctx)
    return j.group_by(["subject_id", "period_start"]).aggregate(value=j.count().cast("float64"))


def _duty_hours(ctx: MetricContext) -> ir.Table:
    r = ctx.table("duty_roster")
    start = r.actual_start.fill_null(r.rostered_start)
    end = r.actual_end.fill_null(r.rostered_end)
    r = r.filter(r.actual_start.notnull() & end.notnull())
    r = r.mutate(hours=end.delta(start, unit="minute").cast("float64") / 60.0)
    w = windowed(ctx, r, "person_id", "shift_date", None)
    return w.group_by(["subject_id", "period_start"]).aggregate(
        duty=w.hours.sum(), period_end=w.period_end.max()
    )


def _second_jobs(ctx: MetricContext) -> ir.Table:
    b = ctx.table("business_interests")
    b = b.filter(
        b.hours_per_week.notnull() & b.status.lower().fill_null("").isin(("approved", "pending"))
    )
    j = b.cross_join(calendar(ctx))
    j = j.filter(j.declared_date.fill_null(j.period_start) <= j.period_end)
    return j.mutate(subject_id=j.person_id.cast("string"))


@metric(
    name="second_job_plus_duty_hours",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(
        "business_interests.person_id",
        "business_interests.declared_date",
        "business_interests.hours_per_week",
        "business_interests.status",
        "duty_roster.person_id",
        "duty_roster.shift_date",
        "duty_roster.rostered_start",
        "duty_roster.rostered_end",
        "duty_roster.actual_start",
        "duty_roster.actual_end",
    ),
    owner="Head of Occupational Health and Wellbeing",
    family="declarations",
    description="Average weekly hours in the month: duty hours worked plus declared "
    "second-job hours (approved or pending declarations).",
    explanation="about {value:.0f} hours a week with duty and the declared second job",
    unit="hours/week",
    evidence=lambda ctx: evidence_rows(_second_jobs(ctx), "business_interests"),
)
def second_job_plus_duty_hours(ctx: MetricContext) -> ir.Table:
    """duty hours in the month / (days in the month / 7) + sum of hours_per_week of the
    person's approved or pending business interests declared by the month end."""
    jobs = _second_jobs(ctx)
    jobs = jobs.group_by(["subject_id", "period_start"]).aggregate(second=jobs.hours_per_week.sum())
    duty = _duty_hours(ctx).rename(d_subject="subject_id", d_period="period_start")
    j = jobs.join(
        duty,
        (jobs.subject_id == duty.d_subject) & (jobs.period_start == duty.d_period),
        how="inner",
    )
    days = j.period_end.delta(j.period_start, unit="day").cast("float64") + 1.0
    weekly = safe_div(j.duty, days / WORKING_WEEK_DAYS)
    return j.select("subject_id", "period_start", value=weekly + j.second)
