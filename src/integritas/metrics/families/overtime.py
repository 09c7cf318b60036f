"""Overtime: hours against peers, and claims that the force's other records do not support.

A claim counts once it is submitted and not rejected (paid, approved or pending all count: a
pending false claim is still a false claim).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.rostering import OWNER, evidence_of
from integritas.metrics.registry import metric
from integritas.metrics.shapes import Shifts, events_in_shifts, per_person_month

# Presence within this many minutes either side of the claimed window counts.
PRESENCE_TOLERANCE_MIN = 30
# A claim ending this long after the roster's booking-off time is not supported by the roster.
BOOKED_OFF_TOLERANCE_MIN = 30
# Reason codes that by definition relate to a planned operation.
OPERATION_REASONS = ("major_event", "operation", "mutual_aid", "event")

_CLAIM = ("overtime_claims.person_id", "overtime_claims.work_date", "overtime_claims.status")


def claims(ctx: MetricContext) -> ir.Table:
    """Submitted, not rejected claims whose work date falls in the window."""
    t = ctx.table("overtime_claims")
    return t.filter(ctx.between(t.work_date) & (t.status.fill_null("").lower() != "rejected"))


def _ev(t: ir.Table) -> ir.Table:
    return evidence_of(t, "person_id", "work_date", "overtime_claims")


@metric(
    name="overtime_hours",
    version=1,
    tier="secondary",
    subject="person",
    period="month",
    purpose="welfare",
    reads=(*_CLAIM, "overtime_claims.hours"),
    owner="Head of People Services",
    family="overtime",
    description="Overtime hours a person claimed for work in the month, against peers.",
    explanation="{value:.1f} overtime hours claimed in the month; peers in the same group: "
    "{peer_low:.1f}-{peer_high:.1f} (median {peer_median:.1f})",
    unit="hours",
)
def overtime_hours(ctx: MetricContext) -> ir.Table:
    """Sum of hours over non-rejected claims by month of work date."""
    return per_person_month(claims(ctx), "person_id", "work_date", lambda t: t.hours.sum())


def _self_authorised(ctx: MetricContext) -> ir.Table:
    c = claims(ctx)
    return c.filter(c.authoriser_id == c.person_id)


@metric(
    name="overtime_self_authorised_claims",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_CLAIM, "overtime_claims.authoriser_id"),
    owner=OWNER,
    family="overtime",
    description="Overtime claims the claimant authorised themselves.",
    explanation="{value:.0f} overtime claims authorised by the claimant in the month",
    unit="claims",
    evidence=lambda ctx: _ev(_self_authorised(ctx)),
)
def overtime_self_authorised_claims(ctx: MetricContext) -> ir.Table:
    """Count of claims whose authoriser_id equals the claimant's person_id."""
    return per_person_month(_self_authorised(ctx), "person_id", "work_date")


def _overlapping(ctx: MetricContext) -> ir.Table:
    c = claims(ctx)
    o = c.select(
        o_claim=c.claim_id, o_person=c.person_id, o_date=c.work_date,
        o_start=c.start_time, o_end=c.end_time, o_hours=c.hours,
    )  # fmt: skip
    timed = c.start_time.notnull() & o.o_start.notnull()
    overlap = timed & (c.start_time < o.o_end) & (o.o_start < c.end_time)
    same_untimed = ~timed & (c.hours == o.o_hours)
    j = c.join(
        o,
        [c.person_id == o.o_person, c.work_date == o.o_date, c.claim_id != o.o_claim],
    ).filter(overlap | same_untimed)
    hit = j.select(h_claim=j.claim_id).distinct()
    return c.join(hit, c.claim_id == hit.h_claim).drop("h_claim")


@metric(
    name="overtime_overlapping_claims",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_CLAIM,
        "overtime_claims.claim_id",
        "overtime_claims.start_time",
        "overtime_claims.end_time",
        "overtime_claims.hours",
    ),
    owner=OWNER,
    family="overtime",
    description="Overtime claims whose hours overlap another claim by the same person "
    "(duplicates included).",
    explanation="{value:.0f} overtime claims overlapping another claim for the same hours "
    "in the month",
    unit="claims",
    evidence=lambda ctx: _ev(_overlapping(ctx)),
)
def overtime_overlapping_claims(ctx: MetricContext) -> ir.Table:
    """Claims (same person, same work date) whose time windows intersect another claim's;
    untimed claims match on equal hours. Each claim of an overlapping pair counts."""
    return per_person_month(_overlapping(ctx), "person_id", "work_date")


def _during_absence(ctx: MetricContext) -> ir.Table:
    c = claims(ctx)
    a = ctx.table("absence")
    a = a.select(a_person=a.person_id, a_start=a.start_date, a_end=a.end_date)
    j = c.join(a, c.person_id == a.a_person).filter(
        (c.work_date >= a.a_start) & (c.work_date <= a.a_end.fill_null(a.a_start))
    )
    hit = j.select(h_claim=j.claim_id).distinct()
    return c.join(hit, c.claim_id == hit.h_claim).drop("h_claim")


@metric(
    name="overtime_claims_during_absence",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_CLAIM,
        "overtime_claims.claim_id",
        "absence.person_id",
        "absence.start_date",
        "absence.end_date",
    ),
    owner=OWNER,
    family="overtime",
    description="Overtime claimed for a day on which the claimant was recorded as absent.",
    explanation="{value:.0f} overtime claims for days recorded as absence in the month",
    unit="claims",
    evidence=lambda ctx: _ev(_during_absence(ctx)),
)
def overtime_claims_during_absence(ctx: MetricContext) -> ir.Table:
    """Claims whose work date lies inside one of the claimant's absence records."""
    return per_person_month(_during_absence(ctx), "person_id", "work_date")


def _no_operation(ctx: MetricContext) -> ir.Table:
    c = claims(ctx)
    needs = c.filter(c.reason_code.fill_null("").lower().isin(OPERATION_REASONS))
    e = ctx.table("major_events")
    e = e.select(e_code=e.operation_code, e_start=e.start_date, e_end=e.end_date)
    matched = needs.join(e, needs.operation_code == e.e_code).filter(
        (needs.work_date >= e.e_start) & (needs.work_date <= e.e_end)
    )
    ok = matched.select(m_claim=matched.claim_id).distinct()
    return needs.anti_join(ok, needs.claim_id == ok.m_claim)


@metric(
    name="overtime_claims_without_operation",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_CLAIM,
        "overtime_claims.claim_id",
        "overtime_claims.reason_code",
        "overtime_claims.operation_code",
        "major_events.operation_code",
        "major_events.start_date",
        "major_events.end_date",
    ),
    owner=OWNER,
    family="overtime",
    description="Claims whose reason requires an operation but name none that ran that day.",
    explanation="{value:.0f} operation overtime claims with no matching operation on the day",
    unit="claims",
    evidence=lambda ctx: _ev(_no_operation(ctx)),
)
def overtime_claims_without_operation(ctx: MetricContext) -> ir.Table:
    """Claims with an operation reason code whose operation_code is missing, unknown, or
    names an operation that did not run on the work date."""
    return per_person_month(_no_operation(ctx), "person_id", "work_date")


# What the presence check reads: timed claims against badge events and on-duty pings.
_PRESENCE_READS = (
    *_CLAIM,
    "overtime_claims.claim_id",
    "overtime_claims.start_time",
    "overtime_claims.end_time",
    "badge_access.person_id",
    "badge_access.event_time",
    "device_location.person_id",
    "device_location.ping_time",
)


def presence_events(ctx: MetricContext) -> ir.Table:
    """Every record placing a person at work: badge events and on-duty device pings."""
    b = ctx.table("badge_access")
    p = ctx.table("device_location")
    return b.select(e_person=b.person_id, e_time=b.event_time).union(
        p.select(e_person=p.person_id, e_time=p.ping_time)
    )


def _no_presence(ctx: MetricContext) -> ir.Table:
    c = claims(ctx).filter(lambda t: t.start_time.notnull() & t.end_time.notnull())
    window = Shifts(
        c.select("claim_id", "person_id", "start_time", "end_time"),
        start="start_time",
        end="end_time",
        tolerance_minutes=PRESENCE_TOLERANCE_MIN,
    )
    j = events_in_shifts(presence_events(ctx), window, event_person="e_person", event_time="e_time")
    seen = j.select(s_claim=j.shift_claim_id).distinct()
    return c.anti_join(seen, c.claim_id == seen.s_claim)


@metric(
    name="overtime_claims_no_presence",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=_PRESENCE_READS,
    owner=OWNER,
    family="overtime",
    description="Overtime claims with no badge event and no on-duty device ping of the "
    f"claimant within {PRESENCE_TOLERANCE_MIN} minutes of the claimed hours.",
    explanation="{value:.0f} overtime claims in the month with no badge or device record "
    "during the claimed hours",
    unit="claims",
    evidence=lambda ctx: _ev(_no_presence(ctx)),
)
def overtime_claims_no_presence(ctx: MetricContext) -> ir.Table:
    """Timed claims with no badge_access event and no device_location ping of the claimant
    between claimed start - tolerance and claimed end + tolerance (day-bucketed equi-join)."""
    return per_person_month(_no_presence(ctx), "person_id", "work_date")


def _after_booking_off(ctx: MetricContext) -> ir.Table:
    c = claims(ctx).filter(lambda t: t.end_time.notnull() & t.shift_id.notnull())
    r = ctx.table("duty_roster")
    r = r.filter(r.actual_end.notnull()).select(r_shift=r.shift_id, r_off=r.actual_end)
    tol = ibis.interval(minutes=BOOKED_OFF_TOLERANCE_MIN)
    j = c.join(r, c.shift_id == r.r_shift).filter(lambda t: t.end_time > t.r_off + tol)
    return j.drop("r_shift", "r_off")


@metric(
    name="overtime_claims_after_booking_off",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_CLAIM,
        "overtime_claims.shift_id",
        "overtime_claims.end_time",
        "duty_roster.shift_id",
        "duty_roster.actual_end",
    ),
    owner=OWNER,
    family="overtime",
    description="Overtime claims on a shift that run on more than "
    f"{BOOKED_OFF_TOLERANCE_MIN} minutes past the time the roster records booking off.",
    explanation="{value:.0f} overtime claims in the month running past the booked-off time "
    "recorded on the roster",
    unit="claims",
    evidence=lambda ctx: _ev(_after_booking_off(ctx)),
)
def overtime_claims_after_booking_off(ctx: MetricContext) -> ir.Table:
    """Claims linked to a shift whose claimed end is later than the shift's actual_end plus
    tolerance: two records of the same evening that disagree."""
    return per_person_month(_after_booking_off(ctx), "person_id", "work_date")


ROLLING_DAYS = 91


def rolling_months(t: ir.Table, when: str, days: int, ctx: MetricContext) -> ir.Table:
    """Each row of ``t`` once for every month whose last day is 0..days-1 days after ``when``
    (a window of ``days`` days ending on each month end); adds ``period_start``."""
    day = t[when].date() if t[when].type().is_timestamp() else t[when]
    parts = []
    for k in range(days // 28 + 2):
        start = (day + ibis.interval(days=31 * k)).truncate("M").cast("date")
        parts.append(t.mutate(period_start=start, _day=day))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=True)
    month_end = (out.period_start + ibis.interval(days=31)).truncate("M").cast("date") - (
        ibis.interval(days=1)
    )
    age = month_end.delta(out._day, unit="day")
    return out.filter(
        (age >= 0)
        & (age < days)
        & (out.period_start >= ctx.start_lit.truncate("M"))
        & (out.period_start <= ctx.end_lit)
    ).drop("_day")


def _rest_day_no_presence(ctx: MetricContext) -> ir.Table:
    t = _no_presence(ctx)
    return t.filter(t.shift_id.isnull())


@metric(
    name="rest_day_claims_no_presence",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_PRESENCE_READS, "overtime_claims.shift_id"),
    owner=OWNER,
    family="overtime",
    description="Overtime claims for whole duties on a rest day (no rostered duty attached) "
    "with no badge event and no on-duty device ping of the claimant during the claimed hours.",
    explanation="{value:.0f} rest-day overtime claims in the month with no badge or device "
    "record at all during the claimed hours",
    unit="claims",
    evidence=lambda ctx: _ev(_rest_day_no_presence(ctx)),
)
def rest_day_claims_no_presence(ctx: MetricContext) -> ir.Table:
    """As overtime_claims_no_presence, for claims not attached to a rostered duty: a whole
    day's work leaves badge swipes and device pings, so none at all is a strong signal (unlike
    an extension, where a missed swipe-out is common)."""
    return per_person_month(_rest_day_no_presence(ctx), "person_id", "work_date")


def _no_presence_rolling(ctx: MetricContext) -> ir.Table:
    wide = MetricContext(ctx.backend, ctx.start - timedelta(days=ROLLING_DAYS), ctx.end)
    return rolling_months(_no_presence(wide), "work_date", ROLLING_DAYS, ctx)


@metric(
    name="overtime_claims_no_presence_91d",
    version=1,
    tier="tertiary",
    subject="person",
    period=f"rolling_{ROLLING_DAYS}d",
    purpose="conduct",
    reads=_PRESENCE_READS,
    owner=OWNER,
    family="overtime",
    description="Overtime claims in the last 91 days with no badge event and no device ping "
    "of the claimant during the claimed hours.",
    explanation="{value:.0f} overtime claims in the 91 days to {period_end} with no badge or "
    "device record during the claimed hours",
    unit="claims",
    evidence=lambda ctx: (r := _no_presence_rolling(ctx)).select(
        subject_id=r.person_id,
        period_start=r.period_start,
        source=ibis.literal("overtime_claims", type="string"),
        batch_id=r._batch_id,
        row_number=r._row_number.cast("int64"),
    ),
)
def overtime_claims_no_presence_91d(ctx: MetricContext) -> ir.Table:
    """As overtime_claims_no_presence, counted over the 91 days ending on each month end."""
    r = _no_presence_rolling(ctx)
    return r.group_by(subject_id=r.person_id, period_start=r.period_start).aggregate(
        value=r.count().cast("float64")
    )
