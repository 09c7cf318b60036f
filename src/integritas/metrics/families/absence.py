"""Absence: sickness frequency and duration (welfare), and activity while off sick (conduct).

Sickness covered by a recorded reasonable adjustment is left out of every frequency and
duration measure here: the adjustment is the organisation's answer to that absence, and
counting it would penalise disability.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.windows import (
    calendar,
    count_in_window,
    evidence_rows,
    lookback_start,
    windowed,
)

SHORT_SPELL_DAYS = 3  # a "short" spell: at most this many calendar days
LONG_TERM_DAYS = 28  # a spell this long or longer is long-term sickness
YEAR = 365

_WELFARE: dict[str, Any] = dict(
    version=1,
    tier="secondary",
    subject="person",
    purpose="welfare",
    owner="Head of Occupational Health and Wellbeing",
    family="absence",
)
_SPELL_READS = (
    "absence.person_id",
    "absence.absence_type",
    "absence.start_date",
    "absence.end_date",
    "absence.reasonable_adjustment",
)


def sickness(ctx: MetricContext, *, include_adjusted: bool = False) -> ir.Table:
    """Sickness spells (absence_type mentions sick), adjusted ones left out unless asked."""
    t = ctx.table("absence")
    t = t.filter(t.absence_type.lower().contains("sick") & t.start_date.notnull())
    t = t.mutate(end_day=t.end_date.fill_null(t.start_date))
    if not include_adjusted:
        t = t.filter(~t.reasonable_adjustment.fill_null(False))
    return t.mutate(spell_days=t.end_day.delta(t.start_date, unit="day") + 1)


def _spell_evidence(ctx: MetricContext) -> ir.Table:
    return evidence_rows(windowed(ctx, sickness(ctx), "person_id", "start_date", YEAR), "absence")


@metric(
    name="sickness_spells_12m",
    period="rolling_365d",
    reads=_SPELL_READS,
    description="Sickness spells starting in the 12 months to the month end, not counting "
    "spells covered by a reasonable adjustment.",
    explanation="{value:.0f} sickness spells in 12 months; peers in the same group: "
    "{peer_low:.0f}-{peer_high:.0f}",
    unit="spells",
    evidence=_spell_evidence,
    **_WELFARE,
)
def sickness_spells_12m(ctx: MetricContext) -> ir.Table:
    """Count of sickness spells (reasonable_adjustment not true) by start date, 365 days."""
    return count_in_window(ctx, sickness(ctx), "person_id", "start_date", YEAR)


@metric(
    name="bradford_factor_12m",
    period="rolling_365d",
    reads=_SPELL_READS,
    description="Bradford factor over 12 months (spells squared times days), not counting "
    "spells covered by a reasonable adjustment: many short spells score high.",
    explanation="Bradford factor {value:.0f} over 12 months; peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="points",
    evidence=_spell_evidence,
    **_WELFARE,
)
def bradford_factor_12m(ctx: MetricContext) -> ir.Table:
    """S^2 x D: S spells starting in the 365-day window, D their total calendar days."""
    w = windowed(ctx, sickness(ctx), "person_id", "start_date", YEAR)
    agg = w.group_by(["subject_id", "period_start"]).aggregate(
        spells=w.count(), days=w.spell_days.sum()
    )
    value = agg.spells.cast("float64") * agg.spells.cast("float64") * agg.days.cast("float64")
    return agg.select("subject_id", "period_start", value=value)


def _overlap(ctx: MetricContext, spells: ir.Table) -> ir.Table:
    """Spells paired with the months they overlap, with the days inside each month."""
    lo = ibis.literal(lookback_start(ctx, None), type="date")
    spells = spells.filter((spells.end_day >= lo) & (spells.start_date <= ctx.end_lit))
    j = spells.cross_join(calendar(ctx))
    j = j.filter((j.start_date <= j.period_end) & (j.end_day >= j.period_start))
    first = ibis.greatest(j.start_date, j.period_start)
    last = ibis.least(j.end_day, j.period_end)
    return j.mutate(
        subject_id=j.person_id.cast("string"), days_in=last.delta(first, unit="day") + 1
    )


def _days_evidence(ctx: MetricContext) -> ir.Table:
    return evidence_rows(_overlap(ctx, sickness(ctx)), "absence")


@metric(
    name="sickness_days_month",
    period="month",
    reads=_SPELL_READS,
    description="Calendar days of sickness in the month, not counting spells covered by a "
    "reasonable adjustment.",
    explanation="{value:.0f} days off sick in the month; peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="days",
    evidence=_days_evidence,
    **_WELFARE,
)
def sickness_days_month(ctx: MetricContext) -> ir.Table:
    """Sum over sickness spells of the days falling inside the month."""
    j = _overlap(ctx, sickness(ctx))
    return j.group_by(["subject_id", "period_start"]).aggregate(
        value=j.days_in.sum().cast("float64")
    )


def _long_spells(ctx: MetricContext) -> ir.Table:
    s = sickness(ctx)
    return _overlap(ctx, s.filter(s.spell_days >= LONG_TERM_DAYS))


@metric(
    name="long_term_sickness",
    period="month",
    reads=_SPELL_READS,
    description=f"Length of the longest sickness spell of {LONG_TERM_DAYS} days or more "
    "overlapping the month (long-term sickness: an occupational-health referral point).",
    explanation="a sickness spell of {value:.0f} days overlaps the month",
    unit="days",
    evidence=lambda ctx: evidence_rows(_long_spells(ctx), "absence"),
    **_WELFARE,
)
def long_term_sickness(ctx: MetricContext) -> ir.Table:
    """max(spell_days) over spells of at least 28 days overlapping the month."""
    j = _long_spells(ctx)
    return j.group_by(["subject_id", "period_start"]).aggregate(
        value=j.spell_days.max().cast("float64")
    )


def _next_to_rest(ctx: MetricContext) -> ir.Table:
    """Short spells whose day before or day after is a rostered rest day."""
    s = sickness(ctx)
    s = s.filter(s.spell_days <= SHORT_SPELL_DAYS)
    r = ctx.table("duty_roster")
    rest = r.filter((r.status.lower() == "rest_day") | (r.shift_type.lower() == "rest")).select(
        rest_person=r.person_id, rest_day=r.shift_date
    )
    rest = rest.distinct()
    before = s.join(
        rest,
        (s.person_id == rest.rest_person) & (s.start_date - ibis.interval(days=1) == rest.rest_day),
        how="semi",
    )
    after = s.join(
        rest,
        (s.person_id == rest.rest_person) & (s.end_day + ibis.interval(days=1) == rest.rest_day),
        how="semi",
    )
    return before.union(after, distinct=True)


@metric(
    name="short_sickness_next_to_rest_days",
    period="rolling_365d",
    reads=(
        *_SPELL_READS,
        "duty_roster.person_id",
        "duty_roster.shift_date",
        "duty_roster.status",
        "duty_roster.shift_type",
    ),
    description=f"Short sickness spells (up to {SHORT_SPELL_DAYS} days) starting the day after "
    "or ending the day before a rostered rest day, in the 12 months to the month end.",
    explanation="{value:.0f} short sickness spells next to rest days in 12 months; peers: "
    "{peer_low:.0f}-{peer_high:.0f}",
    unit="spells",
    evidence=lambda ctx: evidence_rows(
        windowed(ctx, _next_to_rest(ctx), "person_id", "start_date", YEAR), "absence"
    ),
    **_WELFARE,
)
def short_sickness_next_to_rest_days(ctx: MetricContext) -> ir.Table:
    """Count of spells of <= 3 days adjacent (day before start / after end) to a rest day."""
    return count_in_window(ctx, _next_to_rest(ctx), "person_id", "start_date", YEAR)


def _active_while_sick(ctx: MetricContext) -> ir.Table:
    """Overtime worked and system look-ups on days inside a sickness spell (all spells: an
    adjustment does not explain working while signed off). One row per activity row."""
    s = sickness(ctx, include_adjusted=True).select(
        sick_person="person_id", sick_from="start_date", sick_to="end_day"
    )
    ot = ctx.table("overtime_claims")
    ot = ot.select(
        "person_id",
        day=ot.work_date,
        source=ibis.literal("overtime_claims", type="string"),
        _batch_id=ot._batch_id,
        _row_number=ot._row_number,
    )
    it = ctx.table("it_access")
    it = it.select(
        "person_id",
        day=it.event_time.date(),
        source=ibis.literal("it_access", type="string"),
        _batch_id=it._batch_id,
        _row_number=it._row_number,
    )
    acts = ot.union(it)
    j = acts.join(s, acts.person_id == s.sick_person, how="inner")
    j = j.filter((j.day >= j.sick_from) & (j.day <= j.sick_to))
    return j.select("person_id", "day", "source", "_batch_id", "_row_number").distinct()


def _active_evidence(ctx: MetricContext) -> ir.Table:
    w = windowed(ctx, _active_while_sick(ctx), "person_id", "day", None)
    return w.select(
        subject_id=w.subject_id,
        period_start=w.period_start,
        source=w.source,
        batch_id=w._batch_id.cast("string"),
        row_number=w._row_number.cast("int64"),
    ).distinct()


@metric(
    name="activity_while_sick",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_SPELL_READS,
        "overtime_claims.person_id",
        "overtime_claims.work_date",
        "it_access.person_id",
        "it_access.event_time",
    ),
    owner="Head of Professional Standards",
    family="absence",
    description="Overtime claimed for, or police-system look-ups made on, days inside the "
    "person's own sickness spell.",
    explanation="{value:.0f} overtime claims or system look-ups on days recorded as sick",
    unit="events",
    evidence=_active_evidence,
)
def activity_while_sick(ctx: MetricContext) -> ir.Table:
    """Count of overtime_claims (work_date) and it_access events (event date) falling inside a
    sickness spell [start_date, end_date] of the same person, by month of the activity."""
    return count_in_window(ctx, _active_while_sick(ctx), "person_id", "day", None)
