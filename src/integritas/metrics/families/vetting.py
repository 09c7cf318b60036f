"""Vetting and mandatory training currency, as at each month end, for people in post.

Lapsed vetting is first an organisational failure (reviews are scheduled by the vetting unit);
it becomes a conduct matter when the person does not respond to the renewal. The metrics
report the state; the rules say which state warrants which route.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.windows import calendar, evidence_rows

LAPSED = ("lapsed", "expired", "withdrawn", "revoked", "suspended")
TRAINING_GRACE_DAYS = 90  # mandatory training this long past its due date is long overdue
OWNER = "Head of Professional Standards"

_T: dict[str, Any] = dict(
    version=1,
    tier="tertiary",
    subject="person",
    purpose="conduct",
    owner=OWNER,
    family="vetting",
)


def in_post(ctx: MetricContext, j: ir.Table) -> ir.Table:
    """Keep rows (person_id, period_start, period_end) where the person was in post."""
    hr = ctx.table("hr_master")
    hr = hr.select(h_person=hr.person_id, h_start=hr.start_date, h_leave=hr.leave_date)
    out = j.join(hr, j.person_id == hr.h_person, how="inner")
    out = out.filter(
        (out.h_start.isnull() | (out.h_start <= out.period_end))
        & (out.h_leave.isnull() | (out.h_leave >= out.period_end))
    )
    return out.drop("h_person", "h_start", "h_leave").mutate(
        subject_id=out.person_id.cast("string")
    )


def _latest_vetting(ctx: MetricContext) -> ir.Table:
    """Each person's vetting records paired with month ends: the latest grant by that date."""
    v = ctx.table("vetting")
    j = v.cross_join(calendar(ctx))
    j = j.filter(j.granted_date.isnull() | (j.granted_date <= j.period_end))
    latest = j.group_by(["person_id", "period_start"]).aggregate(last_granted=j.granted_date.max())
    latest = latest.rename(l_person="person_id", l_period="period_start")
    out = j.join(
        latest,
        (j.person_id == latest.l_person)
        & (j.period_start == latest.l_period)
        & (j.granted_date.isnull() | (j.granted_date == latest.last_granted)),
        how="inner",
    )
    return out.drop("l_person", "l_period", "last_granted")


def lapsed(ctx: MetricContext) -> ir.Table:
    j = _latest_vetting(ctx)
    return in_post(ctx, j.filter(j.status.lower().isin(LAPSED)))


def review_overdue(ctx: MetricContext) -> ir.Table:
    j = _latest_vetting(ctx)
    j = j.filter(
        ~j.status.lower().fill_null("").isin(LAPSED)
        & j.review_due_date.notnull()
        & (j.review_due_date < j.period_end)
    )
    return in_post(ctx, j)


_VET_READS = (
    "vetting.person_id",
    "vetting.granted_date",
    "vetting.status",
    "vetting.review_due_date",
    "hr_master.person_id",
    "hr_master.start_date",
    "hr_master.leave_date",
)


@metric(
    name="vetting_lapsed",
    period="month",
    reads=_VET_READS,
    description="Whether the person's latest vetting clearance was recorded as lapsed, "
    "expired, withdrawn, revoked or suspended at the month end, while in post.",
    explanation="vetting clearance recorded as lapsed at the month end",
    unit="flag",
    evidence=lambda ctx: evidence_rows(lapsed(ctx), "vetting"),
    **_T,
)
def vetting_lapsed(ctx: MetricContext) -> ir.Table:
    """1 where the latest vetting row by the month end has a lapsed-type status."""
    j = lapsed(ctx)
    return j.group_by(["subject_id", "period_start"]).aggregate(
        value=j.count().clip(upper=1).cast("float64")
    )


@metric(
    name="vetting_review_overdue_days",
    period="month",
    reads=_VET_READS,
    description="Days by which the person's current vetting clearance was past its review due "
    "date at the month end, while in post.",
    explanation="vetting review {value:.0f} days overdue at the month end",
    unit="days",
    evidence=lambda ctx: evidence_rows(review_overdue(ctx), "vetting"),
    **_T,
)
def vetting_review_overdue_days(ctx: MetricContext) -> ir.Table:
    """period_end - review_due_date (days) for the latest, not lapsed, vetting row."""
    j = review_overdue(ctx)
    days = j.period_end.delta(j.review_due_date, unit="day")
    j = j.mutate(days=days)
    return j.group_by(["subject_id", "period_start"]).aggregate(value=j.days.max().cast("float64"))


def _training_outstanding(ctx: MetricContext, min_days: int, max_days: int | None) -> ir.Table:
    """Mandatory courses not completed by the month end, overdue by (min_days, max_days]."""
    t = ctx.table("training")
    t = t.filter(t.mandatory.fill_null(False) & t.due_date.notnull())
    j = t.cross_join(calendar(ctx))
    late = j.period_end.delta(j.due_date, unit="day")
    j = j.mutate(days_late=late)
    j = j.filter(
        (j.completed_date.isnull() | (j.completed_date > j.period_end)) & (j.days_late > min_days)
    )
    if max_days is not None:
        j = j.filter(j.days_late <= max_days)
    return in_post(ctx, j)


_TRAINING_READS = (
    "training.person_id",
    "training.mandatory",
    "training.due_date",
    "training.completed_date",
    "hr_master.person_id",
    "hr_master.start_date",
    "hr_master.leave_date",
)


@metric(
    name="mandatory_training_long_overdue",
    period="month",
    reads=_TRAINING_READS,
    description=f"Mandatory courses still not completed more than {TRAINING_GRACE_DAYS} days "
    "after their due date, at the month end.",
    explanation="{value:.0f} mandatory courses more than 90 days overdue at the month end",
    unit="courses",
    evidence=lambda ctx: evidence_rows(
        _training_outstanding(ctx, TRAINING_GRACE_DAYS, None), "training"
    ),
    **_T,
)
def mandatory_training_long_overdue(ctx: MetricContext) -> ir.Table:
    """Count of mandatory training rows with due_date more than 90 days before the period end
    and no completed_date on or before it."""
    j = _training_outstanding(ctx, TRAINING_GRACE_DAYS, None)
    return j.group_by(["subject_id", "period_start"]).aggregate(value=j.count().cast("float64"))


@metric(
    name="mandatory_training_overdue",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=_TRAINING_READS,
    owner="Head of Learning and Development",
    family="vetting",
    description=f"Mandatory courses overdue by up to {TRAINING_GRACE_DAYS} days at the month "
    "end: a prompt for the line manager before it becomes a conduct matter.",
    explanation="{value:.0f} mandatory courses overdue at the month end",
    unit="courses",
    evidence=lambda ctx: evidence_rows(
        _training_outstanding(ctx, 0, TRAINING_GRACE_DAYS), "training"
    ),
)
def mandatory_training_overdue(ctx: MetricContext) -> ir.Table:
    """Count of mandatory training rows 1-90 days past due_date and not completed by the
    period end."""
    j = _training_outstanding(ctx, 0, TRAINING_GRACE_DAYS)
    return j.group_by(["subject_id", "period_start"]).aggregate(value=j.count().cast("float64"))
