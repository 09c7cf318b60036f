"""Office attendance against each person's own hybrid-working policy.

A working day is a roster entry worked or spent training; an office day is a working day with a
granted badge-in (or any granted badge event) at a force site. Measuring against rostered
working days pro-rates part-time people automatically (fewer rostered days, same share).
People with an approved attendance exemption, or with no policy, get no policy value.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.rostering import OWNER, evidence_of
from integritas.metrics.registry import metric
from integritas.metrics.shapes import month_of, people, safe_div

# Fewer working days than this in a month is too little to judge attendance on.
MIN_WORKING_DAYS = 5
WORKING_STATUSES = ("worked", "training")

_READS = (
    "duty_roster.person_id",
    "duty_roster.shift_date",
    "duty_roster.status",
    "badge_access.person_id",
    "badge_access.event_time",
    "badge_access.result",
)
_POLICY = ("hr_master.person_id", "hr_master.hybrid_policy_pct", "hr_master.attendance_exemption")


def _working(ctx: MetricContext) -> ir.Table:
    """Roster rows of working days (worked or training) in the window."""
    r = ctx.table("duty_roster")
    return r.filter(ctx.between(r.shift_date) & r.status.fill_null("").isin(WORKING_STATUSES))


def _office(ctx: MetricContext) -> ir.Table:
    """(``o_person``, ``o_day``) of every granted badge event in the window (not distinct)."""
    b = ctx.table("badge_access")
    b = b.filter(ctx.between(b.event_time) & (b.result.fill_null("").lower() == "granted"))
    return b.select(o_person=b.person_id, o_day=b.event_time.date())


def _days(ctx: MetricContext) -> ir.Table:
    """One row per roster row of a working day, and whether the person was in the office."""
    r = _working(ctx)
    office = _office(ctx).distinct()
    j = r.left_join(office, [r.person_id == office.o_person, r.shift_date == office.o_day])
    return j.mutate(in_office=j.o_person.notnull()).drop("o_person", "o_day")


def _monthly(ctx: MetricContext, who: ir.Table | None = None) -> ir.Table:
    """Working days and office days per person and month (at least MIN_WORKING_DAYS), of the
    people in ``who`` (a ``p_person`` column) when given.

    Each side is made distinct per person and day before the join, so the join pairs at most
    one office day with each working day and the months are plain counts.
    """
    r, b = _working(ctx), _office(ctx)
    if who is not None:  # said outright: DuckDB cannot push the final join below DISTINCT
        r = r.semi_join(who, r.person_id == who.p_person)
        b = b.semi_join(who, b.o_person == who.p_person)
    days = r.select(person_id=r.person_id, day=r.shift_date).distinct()
    office = b.distinct()
    j = days.left_join(office, [days.person_id == office.o_person, days.day == office.o_day])
    g = j.group_by(subject_id=j.person_id, period_start=month_of(j.day))
    m = g.aggregate(working=j.count(), office=j.count(where=j.o_person.notnull()))
    m = m.filter(m.working >= MIN_WORKING_DAYS)
    return m.mutate(pct=safe_div(m.office * 100, m.working))


def _policies(ctx: MetricContext) -> ir.Table:
    """People with a hybrid-working policy and no exemption: ``p_person``, ``policy``."""
    p = people(ctx)
    p = p.filter(p.hybrid_policy_pct.notnull() & ~p.attendance_exemption.fill_null(False))
    return p.select(p_person=p.person_id, policy=p.hybrid_policy_pct.cast("float64"))


def _with_policy(ctx: MetricContext) -> ir.Table:
    p = _policies(ctx)
    m = _monthly(ctx, p.select("p_person"))
    return m.join(p, m.subject_id == p.p_person).drop("p_person")


@metric(
    name="office_attendance_pct",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=_READS,
    owner="Head of People Services",
    family="attendance",
    description="Share of the person's rostered working days spent at a force site.",
    explanation="in the office on {value:.0f}% of working days in the month; peers: "
    "{peer_low:.0f}-{peer_high:.0f}%",
    unit="%",
)
def office_attendance_pct(ctx: MetricContext) -> ir.Table:
    """Days with a granted badge event / rostered working days (worked or training), x100;
    months with fewer than MIN_WORKING_DAYS working days give no value."""
    m = _monthly(ctx)
    return m.select("subject_id", "period_start", value=m.pct)


def _shortfall_evidence(ctx: MetricContext) -> ir.Table:
    d = _days(ctx)
    d = d.filter(~d.in_office)
    keys = _with_policy(ctx)
    keys = keys.filter(keys.pct < keys.policy).select(k_person="subject_id", k_month="period_start")
    ev = evidence_of(d, "person_id", "shift_date", "duty_roster")
    j = ev.join(keys, [ev.subject_id == keys.k_person, ev.period_start == keys.k_month])
    return j.drop("k_person", "k_month")


_EVIDENCE_NOTE = "Evidence: the roster's working days with no office attendance."


@metric(
    name="office_attendance_shortfall_pp",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_READS, *_POLICY),
    owner=OWNER,
    family="attendance",
    description="Percentage points by which office attendance fell short of the person's own "
    "hybrid-working policy (0 when met; exempt people excluded). " + _EVIDENCE_NOTE,
    explanation="office attendance {value:.0f} percentage points below own policy in the month",
    unit="pp",
    evidence=_shortfall_evidence,
)
def office_attendance_shortfall_pp(ctx: MetricContext) -> ir.Table:
    """max(0, policy % - attendance %) for people with a policy and no exemption."""
    m = _with_policy(ctx)
    gap = m.policy - m.pct
    return m.select("subject_id", "period_start", value=ibis.greatest(gap, 0.0).cast("float64"))


@metric(
    name="office_attendance_policy_met_pct",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_READS, *_POLICY),
    owner=OWNER,
    family="attendance",
    description="Office attendance as a share of the person's own policy (100 = policy met "
    "exactly); exempt people excluded. " + _EVIDENCE_NOTE,
    explanation="office attendance was {value:.0f}% of own policy in the month",
    unit="% of policy",
    evidence=_shortfall_evidence,
)
def office_attendance_policy_met_pct(ctx: MetricContext) -> ir.Table:
    """attendance % / policy % x 100 for people with a non-zero policy and no exemption."""
    m = _with_policy(ctx)
    return m.select("subject_id", "period_start", value=safe_div(m.pct * 100, m.policy))


@metric(
    name="office_days_short_of_policy",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_READS, *_POLICY),
    owner=OWNER,
    family="attendance",
    description="Working days the person would have needed in the office to meet their own "
    "policy, beyond those they attended (0 when met). " + _EVIDENCE_NOTE,
    explanation="{value:.0f} office days short of own policy in the month",
    unit="days",
    evidence=_shortfall_evidence,
)
def office_days_short_of_policy(ctx: MetricContext) -> ir.Table:
    """max(0, policy % x working days / 100 - office days)."""
    m = _with_policy(ctx)
    short = m.policy * m.working / 100.0 - m.office
    return m.select("subject_id", "period_start", value=ibis.greatest(short, 0.0).cast("float64"))
