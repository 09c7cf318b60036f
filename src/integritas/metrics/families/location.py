"""Location (minimised): on-duty shifts never at an approved site, for roles that require it.

device_location holds only on-duty pings reduced to a site label (``off-site`` or a site code);
no coordinates are read. Only roles without a hybrid-working policy are assessed (their work
starts and ends at a station), and only shifts with enough pings to show the device was on.
"""

from __future__ import annotations

import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.rostering import OWNER, evidence_of
from integritas.metrics.registry import metric
from integritas.metrics.shapes import Shifts, events_in_shifts, people, per_person_month

MIN_PINGS = 3  # a shift with fewer pings says too little to judge
OFF_SITE = ("off-site", "offsite", "")


def _unplaced_shifts(ctx: MetricContext) -> ir.Table:
    r = ctx.table("duty_roster")
    r = r.filter(
        ctx.between(r.shift_date)
        & (r.status.fill_null("") == "worked")
        & r.actual_start.notnull()
        & r.actual_end.notnull()
    )
    p = people(ctx)
    onsite = p.filter(p.hybrid_policy_pct.isnull()).select(s_person=p.person_id)
    r = r.join(onsite, r.person_id == onsite.s_person).drop("s_person")
    pings = ctx.table("device_location")
    pings = pings.select(
        pings.person_id,
        pings.ping_time,
        at_site=~pings.site_label.fill_null("").lower().isin(OFF_SITE),
    )
    # the day-bucketed equi-join: a night shift's pings after midnight count too
    shifts = Shifts(r.select("person_id", "shift_id", "actual_start", "actual_end"))
    j = events_in_shifts(pings, shifts, event_person="person_id", event_time="ping_time")
    per = j.group_by(k_shift=j.shift_shift_id).aggregate(
        n=j.count(), on_site=j.at_site.cast("int64").sum()
    )
    bad = per.filter((per.n >= MIN_PINGS) & (per.on_site == 0))
    return r.join(bad, r.shift_id == bad.k_shift).drop("k_shift", "n", "on_site")


@metric(
    name="shifts_never_at_approved_site",
    version=2,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=(
        "duty_roster.person_id",
        "duty_roster.shift_id",
        "duty_roster.shift_date",
        "duty_roster.status",
        "duty_roster.actual_start",
        "duty_roster.actual_end",
        "hr_master.person_id",
        "hr_master.hybrid_policy_pct",
        "device_location.person_id",
        "device_location.ping_time",
        "device_location.site_label",
    ),
    owner=OWNER,
    family="location",
    description="Worked shifts of station-based roles with at least 3 on-duty device pings, "
    "none of them at an approved site. Evidence: the roster rows of those shifts.",
    explanation="{value:.0f} worked shifts in the month with the duty device never at an "
    "approved site; peers: {peer_low:.0f}-{peer_high:.0f}",
    unit="shifts",
    evidence=lambda ctx: evidence_of(
        _unplaced_shifts(ctx), "person_id", "shift_date", "duty_roster"
    ),
)
def shifts_never_at_approved_site(ctx: MetricContext) -> ir.Table:
    """Count of worked shifts (no hybrid policy) with >= 3 pings inside the shift, none on site."""
    return per_person_month(_unplaced_shifts(ctx), "person_id", "shift_date")
