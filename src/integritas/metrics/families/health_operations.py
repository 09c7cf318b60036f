"""Organisation health, operational measures: vetting, training, attendance, rosters, systems,
gifts and expenses. Primary tier, per unit and month (helpers shared with ``health``)."""

from __future__ import annotations

import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.access import reference_missing
from integritas.metrics.families.health import (
    _attach,
    _finish,
    _health,
    _in_post,
    _per_head,
    _per_unit,
    _share,
)
from integritas.metrics.shapes import hours_between, safe_div

_VET = ("vetting.person_id", "vetting.granted_date", "vetting.review_due_date")


def _people_with(ctx: MetricContext, rows: ir.Table) -> ir.Table:
    """Per unit-month: distinct people among ``rows`` (already joined to people in post)."""
    return _per_unit(rows, num=lambda t: t.person_id.nunique())


def _vetting_as_of(ctx: MetricContext) -> ir.Table:
    v = ctx.table("vetting")
    a = _in_post(ctx)
    j = v.inner_join(a, v.person_id == a.h_person)
    return j.filter(j.granted_date <= j.period_end)


@_health(
    "unit_vetting_compliance_pct",
    "Share of staff in post holding current vetting, in date at the end of the month.",
    (*_VET, "vetting.status"),
    "%",
)
def unit_vetting_compliance_pct(ctx: MetricContext) -> ir.Table:
    """People with a `current` clearance granted by and due for review after month end
    / headcount x 100."""
    j = _vetting_as_of(ctx)
    ok = j.filter((j.status == "current") & (j.review_due_date >= j.period_end))
    return _finish(ctx, _people_with(ctx, ok), lambda t: safe_div(t.num, t.n_people) * 100.0)


@_health(
    "unit_vetting_reviews_overdue",
    "Staff in post whose latest vetting clearance was due for review before month end.",
    _VET,
    "people",
)
def unit_vetting_reviews_overdue(ctx: MetricContext) -> ir.Table:
    """People whose latest review due date (clearances granted by month end) has passed."""
    j = _vetting_as_of(ctx)
    latest = j.group_by(["person_id", "h_unit", "period_start", "period_end"]).aggregate(
        due=j.review_due_date.max()
    )
    late = latest.filter(latest.due < latest.period_end)
    return _finish(ctx, _people_with(ctx, late), lambda t: t.num)


_TRAIN = (
    "training.person_id",
    "training.mandatory",
    "training.due_date",
    "training.completed_date",
)


def _training_due(ctx: MetricContext) -> ir.Table:
    tr = ctx.table("training")
    tr = tr.filter(tr.mandatory.fill_null(False))
    a = _in_post(ctx)
    j = tr.inner_join(a, tr.person_id == a.h_person)
    j = j.filter(j.due_date <= j.period_end)
    return j.mutate(
        _done=(j.completed_date.notnull() & (j.completed_date <= j.period_end)).cast("int64")
    )


@_health(
    "unit_training_compliance_pct",
    "Share of mandatory courses due by month end that staff in post had completed.",
    _TRAIN,
    "%",
)
def unit_training_compliance_pct(ctx: MetricContext) -> ir.Table:
    """Mandatory training records due by month end and completed by then / all due x 100."""
    parts = _per_unit(_training_due(ctx), num=lambda t: t._done.sum(), den=lambda t: t.count())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.den) * 100.0, ("num", "den"))


@_health(
    "unit_training_overdue_per_head",
    "Mandatory courses overdue (due, not completed) at month end per person in post.",
    _TRAIN,
    "courses per head",
)
def unit_training_overdue_per_head(ctx: MetricContext) -> ir.Table:
    """Mandatory training records due by month end and not completed by then / headcount."""
    parts = _per_unit(_training_due(ctx), num=lambda t: (1 - t._done).sum())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people))


_ROSTER = ("duty_roster.person_id", "duty_roster.shift_date", "duty_roster.status")


def _worked(ctx: MetricContext) -> ir.Table:
    d = ctx.table("duty_roster")
    return d.filter(d.status == "worked")


def _attendance(ctx: MetricContext) -> ir.Table:
    """Per person in post with a hybrid policy and no exemption, per month: worked days,
    office days (worked days with a granted badge-in) and policy %."""
    w = _worked(ctx)
    worked = _attach(ctx, w, "person_id", w.shift_date)
    worked = worked.group_by(["person_id", "h_unit", "period_start"]).aggregate(
        days=worked.shift_date.nunique()
    )
    b = ctx.table("badge_access")
    b = b.filter((b.direction == "in") & (b.result == "granted"))
    b = b.mutate(day=b.event_time.date())
    days = w.select(w_person=w.person_id, w_day=w.shift_date).distinct()
    b = b.inner_join(days, [b.person_id == days.w_person, b.day == days.w_day])
    office = _attach(ctx, b, "person_id", b.day)
    office = office.group_by(o_person=office.person_id, o_month=office.period_start).aggregate(
        office=office.day.nunique()
    )
    hr = ctx.table("hr_master")
    policy = hr.filter(
        hr.hybrid_policy_pct.notnull() & ~hr.attendance_exemption.fill_null(False)
    ).select(p_person=hr.person_id, policy=hr.hybrid_policy_pct)
    policy = policy.group_by("p_person").aggregate(policy=policy.policy.max())
    j = worked.inner_join(policy, worked.person_id == policy.p_person)
    j = j.left_join(office, [j.person_id == office.o_person, j.period_start == office.o_month])
    j = j.mutate(office=j.office.fill_null(0))
    return j.mutate(pct=safe_div(j.office, j.days) * 100.0)


_ATTEND = (
    *_ROSTER,
    "badge_access.person_id",
    "badge_access.event_time",
    "badge_access.direction",
    "badge_access.result",
    "hr_master.hybrid_policy_pct",
    "hr_master.attendance_exemption",
)


@_health(
    "unit_office_attendance_pct",
    "Average office attendance (days badged in / days worked) of staff on a hybrid policy.",
    _ATTEND,
    "%",
)
def unit_office_attendance_pct(ctx: MetricContext) -> ir.Table:
    """Mean over non-exempt people with a policy of office days / worked days x 100."""
    parts = _per_unit(_attendance(ctx), avg=lambda t: t.pct.mean())
    return _finish(ctx, parts.rename(num="avg"), lambda t: t.num, ())


@_health(
    "unit_below_attendance_policy_pct",
    "Share of staff on a hybrid policy whose office attendance fell below their policy.",
    _ATTEND,
    "%",
)
def unit_below_attendance_policy_pct(ctx: MetricContext) -> ir.Table:
    """Non-exempt people with a policy whose attendance % < policy %, over all such people."""
    a = _attendance(ctx)
    return _share_rows(ctx, a, a.pct < a.policy)


def _share_rows(ctx: MetricContext, rows: ir.Table, hit: ir.BooleanValue) -> ir.Table:
    r = rows.mutate(_hit=hit.fill_null(False).cast("int64"))
    parts = _per_unit(r, num=lambda t: t._hit.sum(), den=lambda t: t.count())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.den) * 100.0, ("num", "den"))


_EDITS = ("roster_audit.subject_person_id", "roster_audit.edited_at")


@_health(
    "unit_roster_edits_per_100_shifts",
    "Roster edits made in the month per 100 duties rostered for the unit's staff.",
    (*_EDITS, "duty_roster.person_id", "duty_roster.shift_date", "duty_roster.shift_type"),
    "edits per 100 shifts",
)
def unit_roster_edits_per_100_shifts(ctx: MetricContext) -> ir.Table:
    """Edits to duties of people in post (month of the edit) / non-rest duties x 100."""
    e = ctx.table("roster_audit")
    edits = _per_unit(_attach(ctx, e, "subject_person_id", e.edited_at), num=lambda t: t.count())
    d = ctx.table("duty_roster")
    d = d.filter(d.shift_type != "rest")
    shifts = _per_unit(_attach(ctx, d, "person_id", d.shift_date), den=lambda t: t.count())
    parts = edits.outer_join(shifts, ["subject_id", "period_start"])
    parts = parts.select(
        subject_id=parts.subject_id.fill_null(parts.subject_id_right),
        period_start=parts.period_start.fill_null(parts.period_start_right),
        num=parts.num,
        den=parts.den,
    )
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.den) * 100.0, ("num", "den"))


@_health(
    "unit_retrospective_edit_pct",
    "Share of roster edits made after the day of the duty they change.",
    (*_EDITS, "roster_audit.shift_id", "duty_roster.shift_id", "duty_roster.shift_date"),
    "%",
)
def unit_retrospective_edit_pct(ctx: MetricContext) -> ir.Table:
    """Edits whose edit date is after the edited duty's date / all edits x 100."""
    e = ctx.table("roster_audit")
    d = ctx.table("duty_roster").select(d_shift="shift_id", d_date="shift_date")
    d = d.distinct()
    j = e.left_join(d, e.shift_id == d.d_shift)
    return _share(ctx, j, "subject_person_id", j.edited_at, j.edited_at.date() > j.d_date)


@_health(
    "unit_self_edit_pct",
    "Share of roster edits made by the person whose duty was edited.",
    (*_EDITS, "roster_audit.person_id"),
    "%",
)
def unit_self_edit_pct(ctx: MetricContext) -> ir.Table:
    """Edits where editor = subject / all edits to duties of the unit's staff x 100."""
    e = ctx.table("roster_audit")
    return _share(ctx, e, "subject_person_id", e.edited_at, e.person_id == e.subject_person_id)


@_health(
    "unit_rest_day_cancellations_per_100",
    "Rest days turned into duty days in the month per 100 staff in post.",
    (*_EDITS, "roster_audit.shift_id", "duty_roster.shift_id", "duty_roster.shift_type"),
    "per 100 staff",
)
def unit_rest_day_cancellations_per_100(ctx: MetricContext) -> ir.Table:
    """Distinct rest-day duties edited in the month (roster_audit on a duty of type rest)."""
    e = ctx.table("roster_audit")
    d = ctx.table("duty_roster")
    rest = d.filter(d.shift_type == "rest").select(r_shift="shift_id").distinct()
    j = e.inner_join(rest, e.shift_id == rest.r_shift)
    a = _attach(ctx, j, "subject_person_id", j.edited_at)
    parts = _per_unit(a, num=lambda t: t.shift_id.nunique())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people) * 100.0)


def _shift_hours(ctx: MetricContext) -> ir.Table:
    w = _worked(ctx)
    w = w.filter(w.actual_start.notnull() & w.actual_end.notnull())
    return w.mutate(hrs=hours_between(w.actual_start, w.actual_end))


_SHIFTS = (*_ROSTER, "duty_roster.actual_start", "duty_roster.actual_end")


@_health(
    "unit_night_shift_share",
    "Share of the unit's worked duties that were night shifts.",
    (*_ROSTER, "duty_roster.shift_type"),
    "%",
)
def unit_night_shift_share(ctx: MetricContext) -> ir.Table:
    """Worked duties of type night / all worked duties x 100."""
    w = _worked(ctx)
    return _share(ctx, w, "person_id", w.shift_date, w.shift_type == "night")


@_health(
    "unit_long_shift_share",
    "Share of worked duties longer than 12 hours (booked on to booked off).",
    _SHIFTS,
    "%",
)
def unit_long_shift_share(ctx: MetricContext) -> ir.Table:
    """Worked duties with actual end - actual start > 12 h / all worked duties x 100."""
    w = _shift_hours(ctx)
    return _share(ctx, w, "person_id", w.shift_date, w.hrs > 12.0)


@_health(
    "unit_avg_shift_hours",
    "Average length of worked duties, booked on to booked off.",
    _SHIFTS,
    "hours",
)
def unit_avg_shift_hours(ctx: MetricContext) -> ir.Table:
    """Mean of actual end - actual start (hours) over worked duties in the month."""
    w = _shift_hours(ctx)
    parts = _per_unit(_attach(ctx, w, "person_id", w.shift_date), num=lambda t: t.hrs.mean())
    return _finish(ctx, parts, lambda t: t.num, ())


_IT = ("it_access.person_id", "it_access.event_time")


@_health(
    "unit_lookups_no_incident_pct",
    "Share of system look-ups with no incident reference recorded.",
    (*_IT, "it_access.incident_reference"),
    "%",
)
def unit_lookups_no_incident_pct(ctx: MetricContext) -> ir.Table:
    """Look-ups with no incident reference / all look-ups x 100."""
    it = ctx.table("it_access")
    return _share(ctx, it, "person_id", it.event_time, reference_missing(it))


@_health(
    "unit_restricted_lookups_per_head",
    "Look-ups of restricted records in the month per person in post.",
    (*_IT, "it_access.restricted_record"),
    "look-ups per head",
)
def unit_restricted_lookups_per_head(ctx: MetricContext) -> ir.Table:
    """Look-ups flagged restricted_record / headcount."""
    it = ctx.table("it_access")
    it = it.filter(it.restricted_record.fill_null(False))
    return _per_head(ctx, it, "person_id", it.event_time)


@_health(
    "unit_bulk_exports_per_100",
    "Bulk exports from record systems in the month per 100 staff in post.",
    (*_IT, "it_access.query_type"),
    "exports per 100",
)
def unit_bulk_exports_per_100(ctx: MetricContext) -> ir.Table:
    """Look-ups of query type bulk_export / headcount x 100."""
    it = ctx.table("it_access")
    it = it.filter(it.query_type == "bulk_export")
    return _per_head(ctx, it, "person_id", it.event_time, 100.0)


_GIFTS = ("gifts_hospitality.person_id", "gifts_hospitality.offered_date")


@_health(
    "unit_gifts_declared_per_100",
    "Gifts and hospitality offers declared in the month per 100 staff in post.",
    _GIFTS,
    "declarations per 100",
)
def unit_gifts_declared_per_100(ctx: MetricContext) -> ir.Table:
    """Register entries offered in the month / headcount x 100."""
    g = ctx.table("gifts_hospitality")
    return _per_head(ctx, g, "person_id", g.offered_date, 100.0)


@_health(
    "unit_gifts_declined_pct",
    "Share of declared gifts and hospitality offers that were declined.",
    (*_GIFTS, "gifts_hospitality.accepted"),
    "%",
)
def unit_gifts_declined_pct(ctx: MetricContext) -> ir.Table:
    """Entries offered in the month with accepted = false / all entries x 100."""
    g = ctx.table("gifts_hospitality")
    return _share(ctx, g, "person_id", g.offered_date, ~g.accepted.fill_null(True))


@_health(
    "unit_expenses_per_head",
    "Expenses claimed in the month per person in post, in pounds.",
    ("expenses.person_id", "expenses.claim_date", "expenses.amount_gbp"),
    "GBP per head",
)
def unit_expenses_per_head(ctx: MetricContext) -> ir.Table:
    """Sum of amount_gbp of claims dated in the month / headcount."""
    x = ctx.table("expenses")
    parts = _per_unit(_attach(ctx, x, "person_id", x.claim_date), num=lambda t: t.amount_gbp.sum())
    return _finish(ctx, parts, lambda t: safe_div(t.num, t.n_people))
