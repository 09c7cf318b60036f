"""Organisation health: primary-tier unit metrics, per team (``hr_master.unit_id``) and month.

Every value comes with ``n_people``, the unit's headcount in post that month; the runner
suppresses cells over fewer than ``small_cell_k`` people. Events are attributed to the unit
of the person they concern, and only while that person is in post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import (
    active_people,
    month_of,
    overlap_days,
    safe_div,
    unit_months,
)

OWNER = "Director of People and Organisational Health"
PEOPLE = (
    "hr_master.person_id",
    "hr_master.unit_id",
    "hr_master.start_date",
    "hr_master.leave_date",
    "hr_master.fte",
    "hr_master._batch_id",
)
EXPLAIN = "{value:.1f} in the month; other units: median {peer_median:.1f}"


def _health(name: str, description: str, reads: tuple[str, ...], unit: str, **extra: Any) -> Any:
    return metric(
        name=name,
        version=1,
        tier="primary",
        subject="unit",
        period="month",
        purpose="organisational_health",
        reads=PEOPLE + reads,
        owner=OWNER,
        family="health",
        description=description,
        explanation=extra.pop("explanation", EXPLAIN),
        unit=unit,
        **extra,
    )


def _in_post(ctx: MetricContext) -> ir.Table:
    """People in post per month with ``h_``-prefixed columns that never clash with events."""
    a = active_people(ctx)
    return a.select(
        h_person=a.person_id,
        h_unit=a.unit_id,
        period_start=a.period_start,
        period_end=a.period_end,
    )


def _attach(ctx: MetricContext, events: ir.Table, person: str, day: ir.Value) -> ir.Table:
    """Events with the unit (``h_unit``) and month of the person they concern, in post only."""
    ev = events.mutate(_person=events[person], _month=month_of(day))
    a = _in_post(ctx)
    return ev.inner_join(a, [ev._person == a.h_person, ev._month == a.period_start])


def _per_unit(t: ir.Table, **aggs: Callable[[ir.Table], ir.Scalar]) -> ir.Table:
    return t.group_by(subject_id=t.h_unit, period_start=t.period_start).aggregate(
        **{k: f(t) for k, f in aggs.items()}
    )


def _finish(
    ctx: MetricContext,
    parts: ir.Table | None,
    value: Callable[[ir.Table], ir.Value],
    cols: tuple[str, ...] = ("num",),
) -> ir.Table:
    """Left-join per-unit aggregates (missing -> 0) onto every unit-month; compute value."""
    base = unit_months(ctx)
    if parts is None:
        t = base
    else:
        t = base.left_join(parts, ["subject_id", "period_start"])
        t = t.mutate(**{c: t[c].fill_null(0) for c in cols})
    return t.select("subject_id", "period_start", "n_people", value=value(t).cast("float64"))


def _per_head(
    ctx: MetricContext, events: ir.Table, person: str, day: ir.Value, scale: float = 1.0
) -> ir.Table:
    parts = _per_unit(_attach(ctx, events, person, day), num=lambda t: t.count())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people) * scale)


def _share(
    ctx: MetricContext, events: ir.Table, person: str, day: ir.Value, hit: ir.BooleanValue
) -> ir.Table:
    """Percentage of the unit's events for which ``hit`` holds (null with no events)."""
    ev = events.mutate(_hit=hit.fill_null(False).cast("int64"))
    parts = _per_unit(
        _attach(ctx, ev, person, day), num=lambda t: t._hit.sum(), den=lambda t: t.count()
    )
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.den) * 100.0, ("num", "den"))


def _sickness(ctx: MetricContext) -> ir.Table:
    ab = ctx.table("absence")
    sick = ab.filter(ab.absence_type == "sickness")
    a = _in_post(ctx)
    j = sick.inner_join(a, sick.person_id == a.h_person)
    j = j.mutate(days=overlap_days(j.start_date, j.end_date, j.period_start, j.period_end))
    return j.filter(j.days > 0)


@_health(
    "unit_sickness_absence_rate",
    "Share of the unit's available person-days lost to sickness absence in the month.",
    ("absence.person_id", "absence.absence_type", "absence.start_date", "absence.end_date"),
    "%",
)
def unit_sickness_absence_rate(ctx: MetricContext) -> ir.Table:
    """Sickness days falling in the month / (headcount x days in month) x 100."""
    parts = _per_unit(_sickness(ctx), num=lambda t: t.days.sum())
    base_days = ctx.table("calendar_month")
    t = _finish(ctx, parts, lambda t: t.num)
    t = t.inner_join(base_days, "period_start")
    return t.select(
        "subject_id",
        "period_start",
        "n_people",
        value=safe_div(t.value, t.n_people * t.days) * 100.0,
    )


@_health(
    "unit_sickness_days_per_fte",
    "Working days lost to sickness in the month per full-time equivalent in post.",
    ("absence.person_id", "absence.absence_type", "absence.start_date", "absence.end_date"),
    "days per FTE",
)
def unit_sickness_days_per_fte(ctx: MetricContext) -> ir.Table:
    """Sickness days falling in the month / sum of FTE of people in post."""
    parts = _per_unit(_sickness(ctx), num=lambda t: t.days.sum())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.fte))


@_health(
    "unit_sickness_spells_per_100",
    "Sickness spells starting in the month per 100 staff in post.",
    ("absence.person_id", "absence.absence_type", "absence.start_date"),
    "spells per 100",
)
def unit_sickness_spells_per_100(ctx: MetricContext) -> ir.Table:
    """Sickness absences whose start date falls in the month, per 100 headcount."""
    ab = ctx.table("absence")
    sick = ab.filter(ab.absence_type == "sickness")
    return _per_head(ctx, sick, "person_id", sick.start_date, 100.0)


@_health(
    "unit_long_term_sickness_pct",
    "Share of staff in post with a sickness absence of 28 days or more running in the month.",
    ("absence.person_id", "absence.absence_type", "absence.start_date", "absence.end_date"),
    "%",
)
def unit_long_term_sickness_pct(ctx: MetricContext) -> ir.Table:
    """Distinct people with a sickness spell of >= 28 days overlapping the month / headcount."""
    s = _sickness(ctx)
    s = s.filter(s.end_date.fill_null(s.period_end).delta(s.start_date, unit="day") >= 27)
    parts = _per_unit(s, num=lambda t: t.person_id.nunique())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people) * 100.0)


def _overtime(ctx: MetricContext) -> ir.Table:
    ot = ctx.table("overtime_claims")
    return ot.filter(ot.status.fill_null("") != "rejected")


_OT = ("overtime_claims.person_id", "overtime_claims.work_date", "overtime_claims.status")


@_health(
    "unit_overtime_hours_per_fte",
    "Overtime hours claimed (not rejected) for work in the month per FTE in post.",
    (*_OT, "overtime_claims.hours"),
    "hours per FTE",
)
def unit_overtime_hours_per_fte(ctx: MetricContext) -> ir.Table:
    """Sum of hours of non-rejected overtime claims worked in the month / sum of FTE."""
    ot = _overtime(ctx)
    parts = _per_unit(_attach(ctx, ot, "person_id", ot.work_date), num=lambda t: t.hours.sum())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.fte))


@_health(
    "unit_overtime_claims_per_head",
    "Overtime claims (not rejected) for work in the month per person in post.",
    _OT,
    "claims per head",
)
def unit_overtime_claims_per_head(ctx: MetricContext) -> ir.Table:
    """Count of non-rejected overtime claims worked in the month / headcount."""
    ot = _overtime(ctx)
    return _per_head(ctx, ot, "person_id", ot.work_date)


@_health(
    "unit_overtime_self_authorised_pct",
    "Share of the unit's overtime claims authorised by the claimant.",
    (*_OT, "overtime_claims.authoriser_id"),
    "%",
)
def unit_overtime_self_authorised_pct(ctx: MetricContext) -> ir.Table:
    """Claims whose authoriser is the claimant / all non-rejected claims x 100."""
    ot = _overtime(ctx)
    return _share(ctx, ot, "person_id", ot.work_date, ot.authoriser_id == ot.person_id)


@_health(
    "unit_overtime_major_event_share",
    "Share of overtime hours charged to a major-event operation code.",
    (*_OT, "overtime_claims.hours", "overtime_claims.operation_code"),
    "%",
)
def unit_overtime_major_event_share(ctx: MetricContext) -> ir.Table:
    """Hours with an operation code / all non-rejected overtime hours x 100."""
    ot = _overtime(ctx)
    ot = ot.mutate(_op=ibis.ifelse(ot.operation_code.notnull(), ot.hours, 0.0))
    parts = _per_unit(
        _attach(ctx, ot, "person_id", ot.work_date),
        num=lambda t: t._op.sum(),
        den=lambda t: t.hours.sum(),
    )
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.den) * 100.0, ("num", "den"))


@_health(
    "unit_complaints_per_100",
    "Complaint allegations received in the month per 100 staff in post.",
    ("complaints.person_id", "complaints.received_date"),
    "complaints per 100",
)
def unit_complaints_per_100(ctx: MetricContext) -> ir.Table:
    """Complaint allegations received in the month about people in post / headcount x 100."""
    c = ctx.table("complaints")
    return _per_head(ctx, c, "person_id", c.received_date, 100.0)


@_health(
    "unit_public_complaints_per_100",
    "Complaint allegations from members of the public received in the month per 100 staff.",
    ("complaints.person_id", "complaints.received_date", "complaints.complaint_source"),
    "complaints per 100",
)
def unit_public_complaints_per_100(ctx: MetricContext) -> ir.Table:
    """Allegations with complaint source `public` received in the month / headcount x 100."""
    c = ctx.table("complaints")
    c = c.filter(c.complaint_source == "public")
    return _per_head(ctx, c, "person_id", c.received_date, 100.0)


@_health(
    "unit_complaints_upheld_pct",
    "Share of complaint allegations finalised in the month that were upheld.",
    ("complaints.person_id", "complaints.finalised_date", "complaints.outcome"),
    "%",
)
def unit_complaints_upheld_pct(ctx: MetricContext) -> ir.Table:
    """Allegations finalised in the month with outcome `upheld` / all finalised x 100."""
    c = ctx.table("complaints")
    c = c.filter(c.finalised_date.notnull())
    return _share(ctx, c, "person_id", c.finalised_date, c.outcome == "upheld")


@_health(
    "unit_conduct_matters_opened",
    "Conduct matters opened in the month about staff of the unit.",
    ("conduct_matters.person_id", "conduct_matters.opened_date"),
    "matters",
)
def unit_conduct_matters_opened(ctx: MetricContext) -> ir.Table:
    """Count of conduct matters whose opened date falls in the month."""
    m = ctx.table("conduct_matters")
    parts = _per_unit(_attach(ctx, m, "person_id", m.opened_date), num=lambda t: t.count())
    return _finish(ctx, parts, lambda t: t.num)


@_health(
    "unit_misconduct_matters_per_100",
    "Misconduct and gross-misconduct matters opened in the month per 100 staff.",
    ("conduct_matters.person_id", "conduct_matters.opened_date", "conduct_matters.matter_type"),
    "matters per 100",
)
def unit_misconduct_matters_per_100(ctx: MetricContext) -> ir.Table:
    """Matters of type misconduct or gross_misconduct opened in the month / headcount x 100."""
    m = ctx.table("conduct_matters")
    m = m.filter(m.matter_type.isin(["misconduct", "gross_misconduct"]))
    return _per_head(ctx, m, "person_id", m.opened_date, 100.0)


@_health(
    "unit_conduct_findings_proven_pct",
    "Share of conduct matters closed in the month with a proven (sustained) finding.",
    ("conduct_matters.person_id", "conduct_matters.closed_date", "conduct_matters.finding"),
    "%",
)
def unit_conduct_findings_proven_pct(ctx: MetricContext) -> ir.Table:
    """Matters closed in the month with finding `proven` / all closed in the month x 100."""
    m = ctx.table("conduct_matters")
    m = m.filter(m.closed_date.notnull())
    return _share(ctx, m, "person_id", m.closed_date, m.finding == "proven")


@_health(
    "unit_attrition_pct",
    "Leavers in the month as a share of the headcount in post.",
    (),
    "%",
)
def unit_attrition_pct(ctx: MetricContext) -> ir.Table:
    """People whose leave date falls in the month / headcount in post x 100."""
    a = active_people(ctx)
    a = a.filter(a.leave_date.notnull() & (a.leave_date <= a.period_end))
    a = a.mutate(h_unit=a.unit_id)
    parts = _per_unit(a, num=lambda t: t.count())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people) * 100.0)


@_health(
    "unit_joiners",
    "People who joined the unit's staff (start date) in the month.",
    (),
    "people",
)
def unit_joiners(ctx: MetricContext) -> ir.Table:
    """Count of people in post whose start date falls in the month."""
    a = active_people(ctx)
    a = a.filter(a.start_date.notnull() & (a.start_date >= a.period_start))
    a = a.mutate(h_unit=a.unit_id)
    parts = _per_unit(a, num=lambda t: t.count())
    return _finish(ctx, parts, lambda t: t.num)


@_health(
    "unit_fte_in_post",
    "Full-time equivalent staff in post in the month (missing FTE counts as 1).",
    (),
    "FTE",
)
def unit_fte_in_post(ctx: MetricContext) -> ir.Table:
    """Sum of FTE of people in post at any point in the month."""
    return _finish(ctx, None, lambda t: t.fte)
