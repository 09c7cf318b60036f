"""Early intervention: workload and disruption signals a line manager should know about.

Secondary tier, welfare purpose only: these never feed the misconduct queue. Each is a plain
count or sum per person per calendar month (or a rolling window ending on each month end) so
that a manager can see at a glance what has changed for someone.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import per_person_month
from integritas.metrics.windows import count_in_window, windowed

OWNER = "Head of People Services"
LATE_FINISH_MINUTES = 60  # booked off this long after the rostered end counts as a late finish


def _worked_shifts(ctx: MetricContext) -> ir.Table:
    r = ctx.table("duty_roster")
    return r.filter(ctx.between(r.shift_date) & (r.status == "worked"))


def _spec(
    name: str, description: str, explanation: str, reads: tuple[str, ...], **kw: str
) -> dict[str, Any]:
    return dict(
        name=name,
        version=1,
        tier="secondary",
        subject="person",
        purpose="welfare",
        owner=OWNER,
        family="early_intervention",
        description=description,
        explanation=explanation,
        reads=reads,
        period=kw.get("period", "month"),
        unit=kw.get("unit", "count"),
    )


_ROSTER = ("duty_roster.person_id", "duty_roster.shift_date", "duty_roster.status")


@metric(
    **_spec(
        "late_finishes",
        "Worked shifts booked off an hour or more after their rostered end, in the month.",
        "{value:.0f} shifts in the month finished an hour or more late; peers: "
        "{peer_low:.0f}-{peer_high:.0f}",
        (*_ROSTER, "duty_roster.rostered_end", "duty_roster.actual_end"),
        unit="shifts",
    )
)
def late_finishes(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts whose actual end is at least 60 minutes after the rostered end."""
    s = _worked_shifts(ctx)
    late = (s.actual_end.epoch_seconds() - s.rostered_end.epoch_seconds()) >= (
        LATE_FINISH_MINUTES * 60
    )
    return per_person_month(s.filter(late), "person_id", "shift_date")


@metric(
    **_spec(
        "night_shifts",
        "Night shifts worked in the month.",
        "{value:.0f} night shifts worked in the month; peers: {peer_low:.0f}-{peer_high:.0f}",
        (*_ROSTER, "duty_roster.shift_type"),
        unit="shifts",
    )
)
def night_shifts(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts of type night."""
    s = _worked_shifts(ctx)
    return per_person_month(s.filter(s.shift_type == "night"), "person_id", "shift_date")


@metric(
    **_spec(
        "weekend_shifts",
        "Shifts worked on a Saturday or Sunday in the month.",
        "{value:.0f} weekend shifts worked in the month; peers: {peer_low:.0f}-{peer_high:.0f}",
        _ROSTER,
        unit="shifts",
    )
)
def weekend_shifts(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts starting on a Saturday or Sunday (ISO days 5 and 6, Monday=0)."""
    s = _worked_shifts(ctx)
    weekend = s.shift_date.day_of_week.index() >= 5
    return per_person_month(s.filter(weekend), "person_id", "shift_date")


@metric(
    **_spec(
        "shifts_worked",
        "Shifts worked in the month.",
        "{value:.0f} shifts worked in the month; peers: {peer_low:.0f}-{peer_high:.0f}",
        _ROSTER,
        unit="shifts",
    )
)
def shifts_worked(ctx: MetricContext) -> ir.Table:
    """Count of duties with status worked."""
    return per_person_month(_worked_shifts(ctx), "person_id", "shift_date")


@metric(
    **_spec(
        "duties_cancelled",
        "The person's rostered duties cancelled in the month.",
        "{value:.0f} of their duties were cancelled in the month; peers: "
        "{peer_low:.0f}-{peer_high:.0f}",
        _ROSTER,
        unit="duties",
    )
)
def duties_cancelled(ctx: MetricContext) -> ir.Table:
    """Count of duties with status cancelled: short-notice disruption to the person's plans."""
    r = ctx.table("duty_roster")
    r = r.filter(ctx.between(r.shift_date) & (r.status == "cancelled"))
    return per_person_month(r, "person_id", "shift_date")


@metric(
    **_spec(
        "rest_days_worked",
        "Duties worked on what the roster first held as a rest day, in the month.",
        "{value:.0f} rest days were worked in the month; peers: {peer_low:.0f}-{peer_high:.0f}",
        ("overtime_claims.person_id", "overtime_claims.work_date", "overtime_claims.shift_id"),
        unit="days",
    )
)
def rest_days_worked(ctx: MetricContext) -> ir.Table:
    """Count of distinct days with an overtime claim not attached to a rostered duty
    (rest-day working)."""
    c = ctx.table("overtime_claims")
    c = c.filter(ctx.between(c.work_date) & c.shift_id.isnull())
    days = c.select("person_id", "work_date").distinct()
    return per_person_month(days, "person_id", "work_date")


@metric(
    **_spec(
        "overtime_claims_90d",
        "Overtime claims in the 90 days to each month end.",
        "{value:.0f} overtime claims in the 90 days to {period_end}; peers: "
        "{peer_low:.0f}-{peer_high:.0f}",
        ("overtime_claims.person_id", "overtime_claims.work_date"),
        period="rolling_90d",
        unit="claims",
    )
)
def overtime_claims_90d(ctx: MetricContext) -> ir.Table:
    """Count of overtime claims whose work date falls in the 90 days to each month end."""
    return count_in_window(ctx, ctx.table("overtime_claims"), "person_id", "work_date", 90)


@metric(
    **_spec(
        "sickness_spells_90d",
        "Sickness spells starting in the 90 days to each month end.",
        "{value:.0f} sickness spells began in the 90 days to {period_end}; peers: "
        "{peer_low:.0f}-{peer_high:.0f}",
        ("absence.person_id", "absence.absence_type", "absence.start_date"),
        period="rolling_90d",
        unit="spells",
    )
)
def sickness_spells_90d(ctx: MetricContext) -> ir.Table:
    """Count of sickness absences whose first day falls in the 90 days to each month end."""
    a = ctx.table("absence")
    return count_in_window(
        ctx, a.filter(a.absence_type == "sickness"), "person_id", "start_date", 90
    )


@metric(
    **_spec(
        "overtime_hours_90d",
        "Overtime hours claimed in the 90 days to each month end.",
        "{value:.1f} overtime hours claimed in the 90 days to {period_end}; peers: "
        "{peer_low:.0f}-{peer_high:.0f}",
        ("overtime_claims.person_id", "overtime_claims.work_date", "overtime_claims.hours"),
        period="rolling_90d",
        unit="hours",
    )
)
def overtime_hours_90d(ctx: MetricContext) -> ir.Table:
    """Sum of claimed overtime hours with a work date in the 90 days to each month end."""
    w = windowed(ctx, ctx.table("overtime_claims"), "person_id", "work_date", 90)
    return w.group_by(["subject_id", "period_start"]).aggregate(value=w.hours.sum().cast("float64"))
