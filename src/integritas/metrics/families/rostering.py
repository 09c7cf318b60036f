"""Rostering: edits to rosters that benefit the editor, or that the editor had no role making.

Also holds two small helpers the other person-level families share: ``people`` (one hr_master
row per person) and ``evidence_of`` (the curated rows behind a value).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import month_of, people, per_person_month
from integritas.metrics.windows import counted

OWNER = "Head of Professional Standards"
# An edit to one's own shift more than this long after it ended is retrospective.
RETRO_HOURS = 24
# Self-serving edits are counted over the 90 days to each month end: a handful spread over
# months is the usual pattern, and a calendar month would see them one at a time.
SELF_EDIT_WINDOW = 90


def evidence_of(t: ir.Table, subject: str, when: str, source: str) -> ir.Table:
    """Evidence rows (subject, month, source, batch id, row number) of curated table ``t``."""
    return t.select(
        subject_id=t[subject],
        period_start=month_of(t[when]),
        source=ibis.literal(source, type="string"),
        batch_id=t._batch_id,
        row_number=t._row_number.cast("int64"),
    )


def _edits(ctx: MetricContext) -> ir.Table:
    t = ctx.table("roster_audit")
    return t.filter(ctx.between(t.edited_at))


def _own(t: ir.Table) -> ir.Table:
    return t.filter(t.person_id == t.subject_person_id)


def _self_edits(ctx: MetricContext) -> ir.Table:
    return _own(_edits(ctx))


def _self_edit_evidence(ctx: MetricContext) -> ir.Table:
    return evidence_of(_self_edits(ctx), "person_id", "edited_at", "roster_audit")


_AUDIT = ("roster_audit.person_id", "roster_audit.subject_person_id", "roster_audit.edited_at")


@metric(
    name="roster_self_edits",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=_AUDIT,
    owner=OWNER,
    family="rostering",
    description="Edits a person made to their own roster entries in the month.",
    explanation="{value:.0f} edits to own roster in the month; peers in the same group: "
    "{peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=_self_edit_evidence,
)
def roster_self_edits(ctx: MetricContext) -> ir.Table:
    """Count of roster-system edits where the editor is the person whose shift was edited."""
    return per_person_month(_self_edits(ctx), "person_id", "edited_at")


def _self_overtime_edits(ctx: MetricContext) -> ir.Table:
    t = _self_edits(ctx)
    return t.filter(t.overtime_hours_delta > 0)


def _self_overtime_edits_any_time(ctx: MetricContext) -> ir.Table:
    t = _own(ctx.table("roster_audit"))
    return t.filter(t.overtime_hours_delta > 0)


_ot_edits, _ot_edits_ev = counted(
    "roster_audit", _self_overtime_edits_any_time, "person_id", "edited_at", SELF_EDIT_WINDOW
)


@metric(
    name="roster_self_overtime_edits",
    version=2,
    tier="tertiary",
    subject="person",
    period=f"rolling_{SELF_EDIT_WINDOW}d",
    purpose="conduct",
    reads=(*_AUDIT, "roster_audit.overtime_hours_delta"),
    owner=OWNER,
    family="rostering",
    description="Edits a person made to their own shifts that added paid overtime hours, in the "
    "90 days to the month end.",
    explanation="{value:.0f} edits to own shifts adding paid overtime in 90 days; "
    "peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=_ot_edits_ev,
)
def roster_self_overtime_edits(ctx: MetricContext) -> ir.Table:
    """Count of self-edits whose overtime_hours_delta is positive (they create paid overtime),
    by edit time, 90-day window."""
    return _ot_edits(ctx)


@metric(
    name="roster_self_overtime_hours",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_AUDIT, "roster_audit.overtime_hours_delta"),
    owner=OWNER,
    family="rostering",
    description="Paid overtime hours a person added to their own shifts by editing the roster.",
    explanation="{value:.1f} overtime hours added by editing own roster in the month",
    unit="hours",
    evidence=lambda ctx: evidence_of(
        _self_overtime_edits(ctx), "person_id", "edited_at", "roster_audit"
    ),
)
def roster_self_overtime_hours(ctx: MetricContext) -> ir.Table:
    """Sum of overtime_hours_delta over self-edits that add overtime."""
    return per_person_month(
        _self_overtime_edits(ctx), "person_id", "edited_at", lambda t: t.overtime_hours_delta.sum()
    )


def _retro_self_edits(ctx: MetricContext) -> ir.Table:
    edits = _own(ctx.table("roster_audit"))
    edits = edits.filter(edits.edit_type.fill_null("") != "swap")
    roster = ctx.table("duty_roster")
    shifts = roster.select(
        r_shift_id=roster.shift_id,
        r_end=ibis.coalesce(
            roster.rostered_end,
            roster.actual_end,
            (roster.shift_date + ibis.interval(days=1)).cast("timestamp"),
        ),
    )
    joined = edits.join(shifts, edits.shift_id == shifts.r_shift_id)
    late = joined.r_end + ibis.interval(hours=RETRO_HOURS)
    return joined.filter(joined.edited_at > late).drop("r_shift_id", "r_end")


_retro, _retro_ev = counted(
    "roster_audit", _retro_self_edits, "person_id", "edited_at", SELF_EDIT_WINDOW
)


@metric(
    name="roster_retrospective_self_edits",
    version=2,
    tier="tertiary",
    subject="person",
    period=f"rolling_{SELF_EDIT_WINDOW}d",
    purpose="conduct",
    reads=(
        *_AUDIT,
        "roster_audit.shift_id",
        "roster_audit.edit_type",
        "duty_roster.shift_id",
        "duty_roster.shift_date",
        "duty_roster.rostered_end",
        "duty_roster.actual_end",
    ),
    owner=OWNER,
    family="rostering",
    description=f"Edits to one's own shift made more than {RETRO_HOURS} hours after it ended, "
    "in the 90 days to the month end.",
    explanation="{value:.0f} edits to own shifts made more than a day after the shift ended, "
    "in 90 days; peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=_retro_ev,
)
def roster_retrospective_self_edits(ctx: MetricContext) -> ir.Table:
    """Self-edits (not swaps) made more than a day after the shift's rostered end, by edit
    time, 90-day window."""
    return _retro(ctx)


def _peer_edits_non_supervisor(ctx: MetricContext) -> ir.Table:
    edits = _edits(ctx)
    edits = edits.filter(
        (edits.person_id != edits.subject_person_id) & (edits.edit_type.fill_null("") != "swap")
    )
    who = people(ctx)
    editors = who.filter(~who.is_supervisor.fill_null(False)).select(e_person=who.person_id)
    return edits.join(editors, edits.person_id == editors.e_person).drop("e_person")


@metric(
    name="roster_peer_edits_non_supervisor",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(*_AUDIT, "roster_audit.edit_type", "hr_master.person_id", "hr_master.is_supervisor"),
    owner=OWNER,
    family="rostering",
    description="Edits to colleagues' shifts (other than agreed swaps) by someone who is not "
    "a supervisor.",
    explanation="{value:.0f} edits to colleagues' shifts by a non-supervisor in the month; "
    "peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=lambda ctx: evidence_of(
        _peer_edits_non_supervisor(ctx), "person_id", "edited_at", "roster_audit"
    ),
)
def roster_peer_edits_non_supervisor(ctx: MetricContext) -> ir.Table:
    """Edits where editor differs from the shift's owner, not a swap, editor not a supervisor."""
    return per_person_month(_peer_edits_non_supervisor(ctx), "person_id", "edited_at")


def _rest_day_cancellations(ctx: MetricContext) -> ir.Table:
    edits = _self_edits(ctx)
    roster = ctx.table("duty_roster")
    rest = roster.filter(
        (roster.shift_type.fill_null("") == "rest") | (roster.status.fill_null("") == "rest_day")
    ).select(r_shift_id=roster.shift_id)
    on_rest = edits.join(rest, edits.shift_id == rest.r_shift_id).drop("r_shift_id")
    kind = edits.edit_type.fill_null("").lower()
    named = edits.filter(
        kind.contains("rest") | edits.old_value.fill_null("").lower().isin(["rest", "rest_day"])
    )
    return on_rest.union(named, distinct=True)


@metric(
    name="roster_self_rest_day_cancellations",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        *_AUDIT,
        "roster_audit.shift_id",
        "roster_audit.edit_type",
        "roster_audit.old_value",
        "duty_roster.shift_id",
        "duty_roster.shift_type",
        "duty_roster.status",
    ),
    owner=OWNER,
    family="rostering",
    description="Rest days a person cancelled on their own roster (rest-day working is paid "
    "at a premium).",
    explanation="{value:.0f} own rest days edited into duty days in the month; "
    "peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=lambda ctx: evidence_of(
        _rest_day_cancellations(ctx), "person_id", "edited_at", "roster_audit"
    ),
)
def roster_self_rest_day_cancellations(ctx: MetricContext) -> ir.Table:
    """Self-edits of a shift rostered as a rest day, or whose edit type/old value names one."""
    return per_person_month(_rest_day_cancellations(ctx), "person_id", "edited_at")


def _swaps(ctx: MetricContext) -> ir.Table:
    t = _edits(ctx)
    t = t.filter((t.edit_type.fill_null("") == "swap") & t.swap_person_id.notnull())
    t = t.mutate(period_start=month_of(t.edited_at))
    n = t.count().over(group_by=[t.person_id, t.period_start, t.swap_person_id])
    return t.mutate(with_partner=n)


@metric(
    name="roster_repeat_swap_partner",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        "roster_audit.person_id",
        "roster_audit.edited_at",
        "roster_audit.edit_type",
        "roster_audit.swap_person_id",
    ),
    owner=OWNER,
    family="rostering",
    description="Most shift swaps a person made with any single colleague in the month.",
    explanation="{value:.0f} shift swaps with the same colleague in the month; "
    "peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="swaps",
    evidence=lambda ctx: evidence_of(
        (s := _swaps(ctx)).filter(s.with_partner >= 2), "person_id", "edited_at", "roster_audit"
    ),
)
def roster_repeat_swap_partner(ctx: MetricContext) -> ir.Table:
    """Max over colleagues of the number of swaps the person made with that colleague."""
    s = _swaps(ctx)
    return s.group_by(subject_id=s.person_id, period_start=s.period_start).aggregate(
        value=s.with_partner.max().cast("float64")
    )
