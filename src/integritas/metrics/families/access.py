"""System access: look-ups on police systems without a recorded policing purpose.

Most metrics count look-ups in the 90 days ending on each month end (``rolling_90d``): misuse
is often a handful of look-ups spread over months, which a calendar month would dilute. The window
helpers are in ``integritas.metrics.windows``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import Shifts, events_outside_shifts, safe_div
from integritas.metrics.windows import (
    counted,
    evidence_rows,
    windowed,
)

OWNER = "Head of Professional Standards"
WINDOW = 90  # days: the look-back of the rolling access metrics
BULK_RECORDS = 100  # a query returning this many records or more is a bulk extraction
DUTY_GRACE_MINUTES = 60  # look-ups this close to a shift's start or end count as on duty


def people(ctx: MetricContext) -> ir.Table:
    """One row per person from ``hr_master`` (person_id, surname_key, home_postcode_key)."""
    hr = ctx.table("hr_master")
    return hr.select("person_id", "surname_key", "home_postcode_key").distinct()


# --- row selections ---------------------------------------------------------------------------


def reference_missing(t: ir.Table) -> ir.BooleanValue:
    """The look-up carries no incident or case reference (null or blank).

    A blank value is empty or all whitespace, so it sorts before ``"!"``: that comparison
    runs first and the costly ``strip`` only on the rare values it lets through.
    """
    ref = t.incident_reference
    return ref.isnull() | ((ref < "!") & (ref.strip() == ""))


def no_incident(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    return t.filter(reference_missing(t))


def colleague_no_reference(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    return t.filter(t.subject_person_id.notnull() & reference_missing(t))


def restricted_no_reference(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    return t.filter(t.restricted_record.fill_null(False) & reference_missing(t))


def _with_user(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    p = people(ctx).rename(user_id="person_id")
    j = t.join(p, t.person_id == p.user_id, how="inner")
    return j.drop("user_id")


def same_surname(ctx: MetricContext) -> ir.Table:
    t = _with_user(ctx)
    return t.filter(
        (t.subject_surname_key == t.surname_key) & t.surname_key.notnull() & reference_missing(t)
    )


def same_postcode(ctx: MetricContext) -> ir.Table:
    t = _with_user(ctx)
    return t.filter(
        (t.subject_postcode_key == t.home_postcode_key)
        & t.home_postcode_key.notnull()
        & reference_missing(t)
    )


def _is_bulk(t: ir.Table) -> ir.BooleanValue:
    export = t.query_type.lower().contains("export")
    return export | (t.records_returned.fill_null(0) >= BULK_RECORDS)


def bulk_no_reference(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    return t.filter(_is_bulk(t) & reference_missing(t))


def out_of_duty(ctx: MetricContext) -> ir.Table:
    """Look-ups inside none of the user's worked shifts (actual times, else rostered; an
    hour's grace either side), by the day-bucketed anti-join of ``events_outside_shifts``."""
    r = ctx.table("duty_roster")
    worked = r.filter(r.actual_start.notnull()).mutate(
        _from=r.actual_start.fill_null(r.rostered_start),
        _to=r.actual_end.fill_null(r.rostered_end),
    )
    shifts = Shifts(worked, start="_from", end="_to", tolerance_minutes=DUTY_GRACE_MINUTES)
    return events_outside_shifts(
        ctx.table("it_access"), shifts, event_person="person_id", event_time="event_time"
    )


# --- metrics ----------------------------------------------------------------------------------

_COMMON: dict[str, Any] = dict(
    version=1,
    tier="tertiary",
    subject="person",
    purpose="conduct",
    owner=OWNER,
    family="system_access",
    unit="look-ups",
)

_ni, _ni_ev = counted("it_access", no_incident, "person_id", "event_time", WINDOW)
_col, _col_ev = counted("it_access", colleague_no_reference, "person_id", "event_time", WINDOW)
_res, _res_ev = counted("it_access", restricted_no_reference, "person_id", "event_time", WINDOW)
_sur, _sur_ev = counted("it_access", same_surname, "person_id", "event_time", WINDOW)
_pc, _pc_ev = counted("it_access", same_postcode, "person_id", "event_time", WINDOW)
_blk, _blk_ev = counted("it_access", bulk_no_reference, "person_id", "event_time", WINDOW)
_ood, _ood_ev = counted("it_access", out_of_duty, "person_id", "event_time", WINDOW)
_all, _all_ev = counted(
    "it_access", lambda c: c.table("it_access"), "person_id", "event_time", None
)


@metric(
    name="it_lookups_no_incident",
    period="rolling_90d",
    reads=("it_access.person_id", "it_access.incident_reference", "it_access.event_time"),
    description="Look-ups on police systems with no linked incident or case reference, in the "
    "90 days to the month end.",
    explanation="{value:.0f} look-ups with no incident reference in 90 days; peers in the same "
    "group: {peer_low:.0f}-{peer_high:.0f}",
    evidence=_ni_ev,
    **_COMMON,
)
def it_lookups_no_incident(ctx: MetricContext) -> ir.Table:
    """Count of it_access events whose incident_reference is empty, 90-day window."""
    return _ni(ctx)


@metric(
    name="it_colleague_lookups_no_reference",
    period="rolling_90d",
    reads=(
        "it_access.person_id",
        "it_access.subject_person_id",
        "it_access.incident_reference",
        "it_access.event_time",
    ),
    description="Look-ups whose subject is a member of staff, with no incident or case "
    "reference (professional-standards enquiries carry one), 90 days to the month end.",
    explanation="{value:.0f} look-ups of colleagues with no case reference in 90 days; peers: "
    "{peer_low:.0f}-{peer_high:.0f}",
    evidence=_col_ev,
    **_COMMON,
)
def it_colleague_lookups_no_reference(ctx: MetricContext) -> ir.Table:
    """Count of it_access events with subject_person_id set and no incident_reference."""
    return _col(ctx)


@metric(
    name="it_restricted_lookups_no_reference",
    period="rolling_90d",
    reads=(
        "it_access.person_id",
        "it_access.restricted_record",
        "it_access.incident_reference",
        "it_access.event_time",
    ),
    description="Look-ups of restricted records with no incident or case reference, in the 90 "
    "days to the month end.",
    explanation="{value:.0f} restricted-record look-ups with no reference in 90 days; peers: "
    "{peer_low:.0f}-{peer_high:.0f}",
    evidence=_res_ev,
    **_COMMON,
)
def it_restricted_lookups_no_reference(ctx: MetricContext) -> ir.Table:
    """Count of it_access events on restricted records with no incident_reference."""
    return _res(ctx)


@metric(
    name="it_same_surname_lookups",
    period="rolling_90d",
    reads=(
        "it_access.person_id",
        "it_access.subject_surname_key",
        "it_access.incident_reference",
        "it_access.event_time",
        "hr_master.person_id",
        "hr_master.surname_key",
    ),
    description="Look-ups, with no incident reference, of people who share the user's surname "
    "(keyed surnames compared, never names), 90 days to the month end.",
    explanation="{value:.0f} look-ups of people with the user's own surname and no incident "
    "reference in 90 days",
    evidence=_sur_ev,
    **_COMMON,
)
def it_same_surname_lookups(ctx: MetricContext) -> ir.Table:
    """Count of look-ups where subject_surname_key equals the user's hr_master.surname_key and
    no incident_reference is recorded."""
    return _sur(ctx)


@metric(
    name="it_same_postcode_lookups",
    period="rolling_90d",
    reads=(
        "it_access.person_id",
        "it_access.subject_postcode_key",
        "it_access.incident_reference",
        "it_access.event_time",
        "hr_master.person_id",
        "hr_master.home_postcode_key",
    ),
    description="Look-ups, with no incident reference, of people at the user's own home "
    "postcode (keyed postcodes compared), 90 days to the month end.",
    explanation="{value:.0f} look-ups at the user's own home postcode with no incident "
    "reference in 90 days",
    evidence=_pc_ev,
    **_COMMON,
)
def it_same_postcode_lookups(ctx: MetricContext) -> ir.Table:
    """Count of look-ups where subject_postcode_key equals the user's home_postcode_key and
    no incident_reference is recorded."""
    return _pc(ctx)


@metric(
    name="it_bulk_exports_no_reference",
    period="rolling_90d",
    reads=(
        "it_access.person_id",
        "it_access.query_type",
        "it_access.records_returned",
        "it_access.incident_reference",
        "it_access.event_time",
    ),
    description=f"Bulk extractions (an export query, or {BULK_RECORDS}+ records returned) with "
    "no incident or tasking reference, 90 days to the month end.",
    explanation="{value:.0f} bulk exports with no reference in 90 days; peers: "
    "{peer_low:.0f}-{peer_high:.0f}",
    evidence=_blk_ev,
    **(_COMMON | {"unit": "exports"}),
)
def it_bulk_exports_no_reference(ctx: MetricContext) -> ir.Table:
    """Count of export queries or queries returning many records, with no incident_reference."""
    return _blk(ctx)


@metric(
    name="it_out_of_duty_lookups",
    period="rolling_90d",
    reads=(
        "it_access.event_id",
        "it_access.person_id",
        "it_access.event_time",
        "duty_roster.person_id",
        "duty_roster.shift_date",
        "duty_roster.rostered_start",
        "duty_roster.rostered_end",
        "duty_roster.actual_start",
        "duty_roster.actual_end",
    ),
    description="Look-ups made when the user had no worked shift covering the time (an hour's "
    "grace either side), 90 days to the month end.",
    explanation="{value:.0f} look-ups made off duty in 90 days; peers: "
    "{peer_low:.0f}-{peer_high:.0f}",
    evidence=_ood_ev,
    **_COMMON,
)
def it_out_of_duty_lookups(ctx: MetricContext) -> ir.Table:
    """Count of it_access events not inside any worked duty_roster shift of the same person
    (matched on the shift date and the following day, then by time)."""
    return _ood(ctx)


def _monthly_counts(ctx: MetricContext, lookback_months: int) -> ir.Table:
    t = ctx.table("it_access")
    first = date(ctx.start.year, ctx.start.month, 1)
    y, m = divmod(first.year * 12 + first.month - 1 - lookback_months, 12)
    lo = ibis.literal(date(y, m + 1, 1), type="date")
    day = t.event_time.date()
    t = t.filter((day >= lo) & (day <= ctx.end_lit))
    t = t.mutate(
        subject_id=t.person_id.cast("string"),
        period_start=day.truncate("M").cast("date"),
        month_index=day.year() * 12 + day.month(),
    )
    return t.group_by(["subject_id", "period_start", "month_index"]).aggregate(n=t.count())


@metric(
    name="it_lookup_volume_vs_baseline",
    period="month",
    reads=("it_access.person_id", "it_access.event_time"),
    description="Look-ups in the month divided by the person's own average over the previous "
    "three months (no value without look-ups in each of those months).",
    explanation="{value:.1f} times the person's own monthly look-up volume of the previous "
    "three months",
    evidence=_all_ev,
    **(_COMMON | {"unit": "ratio"}),
)
def it_lookup_volume_vs_baseline(ctx: MetricContext) -> ir.Table:
    """count(month) / (sum(counts of the 3 preceding months) / 3); only where the person made
    look-ups in each of the 3 preceding months (an established baseline)."""
    counts = _monthly_counts(ctx, 3)
    cur = counts.filter(counts.period_start >= ctx.start_lit.truncate("M").cast("date"))
    base = counts.rename(b_subject="subject_id", b_index="month_index", b_n="n").drop(
        "period_start"
    )
    j = cur.join(
        base,
        (cur.subject_id == base.b_subject)
        & (base.b_index >= cur.month_index - 3)
        & (base.b_index < cur.month_index),
        how="left",
    )
    agg = j.group_by(["subject_id", "period_start"]).aggregate(
        n=j.n.max(), baseline=j.b_n.sum().fill_null(0), months=j.b_index.nunique()
    )
    agg = agg.filter(agg.months == 3)
    value = safe_div(agg.n, agg.baseline.cast("float64") / 3.0)
    return agg.select("subject_id", "period_start", value=value).filter(value.notnull())


def _repeat_rows(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    t = t.filter(t.subject_reference_key.notnull())
    w = windowed(ctx, t, "person_id", "event_time", None)
    per = w.group_by(["subject_id", "period_start", "subject_reference_key"]).aggregate(n=w.count())
    return per.filter(per.n >= 2)


def _repeat_evidence(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    t = t.filter(t.subject_reference_key.notnull())
    w = windowed(ctx, t, "person_id", "event_time", None)
    top = _repeat_rows(ctx).rename(
        r_subject="subject_id", r_period="period_start", r_key=("subject_reference_key")
    )
    j = w.join(
        top,
        (w.subject_id == top.r_subject)
        & (w.period_start == top.r_period)
        & (w.subject_reference_key == top.r_key),
    )
    return evidence_rows(j, "it_access")


@metric(
    name="it_repeat_subject_lookups",
    period="month",
    reads=("it_access.person_id", "it_access.subject_reference_key", "it_access.event_time"),
    description="The most look-ups the person made of any one subject in the month (only "
    "subjects looked up at least twice count).",
    explanation="one subject looked up {value:.0f} times in the month",
    evidence=_repeat_evidence,
    **_COMMON,
)
def it_repeat_subject_lookups(ctx: MetricContext) -> ir.Table:
    """max over subject_reference_key of look-ups by the person in the month (where >= 2)."""
    per = _repeat_rows(ctx)
    return per.group_by(["subject_id", "period_start"]).aggregate(value=per.n.max().cast("float64"))
