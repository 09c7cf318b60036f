"""Welfare: working time, rest, leave and sickness (secondary tier: early intervention only).

Hours worked are the roster's actual start/end of worked shifts plus overtime claims not linked
to a shift (rest-day overtime); overtime on a shift is already inside the roster's actual end.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.overtime import claims
from integritas.metrics.registry import metric
from integritas.metrics.shapes import month_of, safe_div, week_of

OWNER = "Head of People Services"
WEEKLY_LIMIT_H = 48.0  # Working Time Regulations average weekly limit
LONG_SHIFT_H = 12.0
MIN_REST_H = 11.0  # daily rest between shifts
LEAVE_WINDOW_DAYS = 180
_EPOCH = ibis.date(2000, 1, 1)

# People with no row get 0 for these; annual leave is left out on purpose: it is only
# assessed where the roster covers the whole 180 days, and a zero there would read "no leave".
ZERO_FILL = frozenset(
    {
        "avg_weekly_hours",
        "weeks_over_48_hours",
        "long_shifts",
        "short_rest_breaks",
        "night_shift_run",
        "sickness_rising_with_overtime",
    }
)

_ROSTER = (
    "duty_roster.person_id",
    "duty_roster.shift_date",
    "duty_roster.status",
    "duty_roster.actual_start",
    "duty_roster.actual_end",
)


def _hours(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64") / 3600.0


def _worked(ctx: MetricContext) -> ir.Table:
    r = ctx.table("duty_roster")
    return r.filter(
        ctx.between(r.shift_date)
        & (r.status.fill_null("") == "worked")
        & r.actual_start.notnull()
        & r.actual_end.notnull()
    )


def _work_hours(ctx: MetricContext) -> ir.Table:
    """(person_id, day, hours) for worked shifts and unlinked overtime claims."""
    w = _worked(ctx)
    shifts = w.select(
        person_id=w.person_id, day=w.shift_date, hours=_hours(w.actual_start, w.actual_end)
    )
    c = claims(ctx)
    c = c.filter(c.shift_id.isnull())
    extra = c.select(person_id=c.person_id, day=c.work_date, hours=c.hours.cast("float64"))
    return shifts.union(extra)


def _weeks(ctx: MetricContext) -> ir.Table:
    h = _work_hours(ctx)
    h = h.mutate(week=week_of(h.day))
    wk = h.group_by(["person_id", "week"]).aggregate(hours=h.hours.sum())
    return wk.mutate(period_start=month_of(wk.week))


def _month_end(period_start: ir.DateValue) -> ir.DateValue:
    nxt = (period_start + ibis.interval(days=31)).truncate("M").cast("date")
    return (nxt - ibis.interval(days=1)).cast("date")


@metric(
    name="avg_weekly_hours",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(
        *_ROSTER,
        "overtime_claims.hours",
        "overtime_claims.shift_id",
        "overtime_claims.work_date",
        "overtime_claims.person_id",
        "overtime_claims.status",
    ),
    owner=OWNER,
    family="welfare",
    description="Average hours worked per week (weeks starting in the month), roster plus "
    "rest-day overtime.",
    explanation="averaged {value:.1f} hours a week in the month (limit 48); "
    "peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="hours/week",
)
def avg_weekly_hours(ctx: MetricContext) -> ir.Table:
    """Mean over ISO weeks starting in the month of the hours worked that week."""
    wk = _weeks(ctx)
    return wk.group_by(subject_id=wk.person_id, period_start=wk.period_start).aggregate(
        value=wk.hours.mean().cast("float64")
    )


@metric(
    name="weeks_over_48_hours",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(
        *_ROSTER,
        "overtime_claims.hours",
        "overtime_claims.shift_id",
        "overtime_claims.work_date",
        "overtime_claims.person_id",
        "overtime_claims.status",
    ),
    owner=OWNER,
    family="welfare",
    description="Weeks (starting in the month) in which the person worked more than 48 hours.",
    explanation="{value:.0f} weeks over 48 hours in the month",
    unit="weeks",
)
def weeks_over_48_hours(ctx: MetricContext) -> ir.Table:
    """Count of ISO weeks starting in the month with more than 48 hours worked."""
    wk = _weeks(ctx)
    return wk.group_by(subject_id=wk.person_id, period_start=wk.period_start).aggregate(
        value=(wk.hours > WEEKLY_LIMIT_H).cast("int64").sum().cast("float64")
    )


@metric(
    name="long_shifts",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=_ROSTER,
    owner=OWNER,
    family="welfare",
    description=f"Worked shifts lasting more than {LONG_SHIFT_H:.0f} hours, start to finish.",
    explanation="{value:.0f} shifts longer than 12 hours in the month",
    unit="shifts",
)
def long_shifts(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts whose actual duration exceeds 12 hours."""
    w = _worked(ctx)
    w = w.filter(_hours(w.actual_start, w.actual_end) > LONG_SHIFT_H)
    return w.group_by(subject_id=w.person_id, period_start=month_of(w.shift_date)).aggregate(
        value=w.count().cast("float64")
    )


@metric(
    name="short_rest_breaks",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=_ROSTER,
    owner=OWNER,
    family="welfare",
    description=f"Worked shifts starting less than {MIN_REST_H:.0f} hours after the previous "
    "worked shift ended.",
    explanation="{value:.0f} shifts started with less than 11 hours' rest in the month",
    unit="shifts",
)
def short_rest_breaks(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts whose start is < 11 h after the previous worked shift's end."""
    w = _worked(ctx)
    prev = w.actual_end.lag().over(group_by=w.person_id, order_by=w.actual_start)
    w = w.mutate(prev_end=prev)
    w = w.filter(w.prev_end.notnull() & (_hours(w.prev_end, w.actual_start) < MIN_REST_H))
    return w.group_by(subject_id=w.person_id, period_start=month_of(w.shift_date)).aggregate(
        value=w.count().cast("float64")
    )


@metric(
    name="night_shift_run",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(*_ROSTER, "duty_roster.shift_type"),
    owner=OWNER,
    family="welfare",
    description="Longest run of consecutive nights worked, by the month the run started.",
    explanation="worked {value:.0f} nights in a row; peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="nights",
)
def night_shift_run(ctx: MetricContext) -> ir.Table:
    """Gaps-and-islands over worked night shifts: day number minus row number groups a run."""
    w = _worked(ctx)
    n = w.filter(w.shift_type.fill_null("") == "night").select("person_id", "shift_date")
    n = n.distinct()
    day = n.shift_date.delta(_EPOCH, unit="day")
    rank = ibis.row_number().over(group_by=n.person_id, order_by=n.shift_date)
    n = n.mutate(grp=day - rank)
    runs = n.group_by(["person_id", "grp"]).aggregate(length=n.count(), first=n.shift_date.min())
    return runs.group_by(subject_id=runs.person_id, period_start=month_of(runs.first)).aggregate(
        value=runs.length.max().cast("float64")
    )


@metric(
    name="annual_leave_days_180d",
    version=1,
    tier="secondary",
    subject="person",
    period=f"rolling_{LEAVE_WINDOW_DAYS}d",
    purpose="welfare",
    reads=(
        *_ROSTER,
        "absence.person_id",
        "absence.absence_type",
        "absence.start_date",
        "absence.end_date",
    ),
    owner=OWNER,
    family="welfare",
    description="Days of annual leave taken in the 180 days to the month end (only for people "
    "whose roster covers the whole window).",
    explanation="{value:.0f} days of annual leave in the 180 days to {period_end}",
    unit="days",
)
def annual_leave_days_180d(ctx: MetricContext) -> ir.Table:
    """Overlap in days of annual-leave absences with the 180 days ending on the month end."""
    r = ctx.table("duty_roster")
    first = r.group_by(f_person=r.person_id).aggregate(first=r.shift_date.min())
    months = _worked(ctx)
    months = months.select(p=months.person_id, period_start=month_of(months.shift_date)).distinct()
    months = months.mutate(m_end=_month_end(months.period_start))
    months = months.mutate(w_start=(months.m_end - ibis.interval(days=LEAVE_WINDOW_DAYS - 1)))
    months = months.join(first, months.p == first.f_person).filter(
        lambda t: t["first"] <= t.w_start
    )
    a = ctx.table("absence")
    a = a.filter(a.absence_type.fill_null("") == "annual_leave").select(
        a_person=a.person_id, a_start=a.start_date, a_end=a.end_date.fill_null(a.start_date)
    )
    j = months.left_join(
        a,
        [months.p == a.a_person, a.a_start <= months.m_end, a.a_end >= months.w_start],
    )
    lo = ibis.greatest(j.a_start, j.w_start)
    hi = ibis.least(j.a_end, j.m_end)
    days = ibis.cases((j.a_person.isnull(), 0), else_=hi.delta(lo, unit="day") + 1)
    j = j.mutate(days=days)
    return j.group_by(subject_id=j.p, period_start=j.period_start).aggregate(
        value=j.days.sum().cast("float64")
    )


def _monthly_sick_ot(ctx: MetricContext) -> ir.Table:
    r = ctx.table("duty_roster")
    r = r.filter(ctx.between(r.shift_date))
    r = r.mutate(period_start=month_of(r.shift_date))
    m = r.group_by(["person_id", "period_start"]).aggregate(
        sick=(r.status.fill_null("") == "sick").cast("int64").sum().cast("float64")
    )
    c = claims(ctx)
    ot = c.group_by(o_person=c.person_id, o_month=month_of(c.work_date)).aggregate(
        ot=c.hours.sum().cast("float64")
    )
    m = m.left_join(ot, [m.person_id == ot.o_person, m.period_start == ot.o_month])
    m = m.mutate(ot=m.ot.fill_null(0.0), idx=m.period_start.year() * 12 + m.period_start.month())
    return m.drop("o_person", "o_month")


@metric(
    name="sickness_rising_with_overtime",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(
        *_ROSTER,
        "overtime_claims.hours",
        "overtime_claims.work_date",
        "overtime_claims.person_id",
        "overtime_claims.status",
    ),
    owner=OWNER,
    family="welfare",
    description="1 when, over the three months to this one against the three before, both "
    "rostered days lost to sickness rose by 2+ and overtime hours rose by half or more "
    "(and 8+ hours); else 0. Needs all six months on the roster.",
    explanation="sickness and overtime both rising over the three months to {period_end}",
    unit="flag",
)
def sickness_rising_with_overtime(ctx: MetricContext) -> ir.Table:
    """Compare sums over months M-2..M with M-5..M-3 of sick rostered days and overtime."""
    m = _monthly_sick_ot(ctx)
    o = m.select(q_person=m.person_id, q_idx=m.idx, q_sick=m.sick, q_ot=m.ot)
    j = m.join(o, [m.person_id == o.q_person, o.q_idx <= m.idx, o.q_idx >= m.idx - 5])
    recent = j.q_idx >= j.idx - 2
    agg = j.group_by(subject_id=j.person_id, period_start=j.period_start).aggregate(
        months=j.q_idx.nunique(),
        sick_now=j.q_sick.sum(where=recent),
        sick_before=j.q_sick.sum(where=~recent),
        ot_now=j.q_ot.sum(where=recent),
        ot_before=j.q_ot.sum(where=~recent),
    )
    agg = agg.filter(agg.months == 6)
    ratio = safe_div(agg.ot_now, agg.ot_before).fill_null(1e9)
    rising = (
        (agg.sick_now.fill_null(0) - agg.sick_before.fill_null(0) >= 2)
        & (ratio >= 1.5)
        & (agg.ot_now.fill_null(0) - agg.ot_before.fill_null(0) >= 8)
    )
    return agg.select("subject_id", "period_start", value=ibis.cases((rising, 1.0), else_=0.0))
