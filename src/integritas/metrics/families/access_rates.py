"""System access: how often a person's look-ups lack a recorded purpose, as a rate.

A count of look-ups without an incident reference favours busy users, and a share swings
wildly for people who make few look-ups. ``it_no_reference_vs_role`` compares the person's
share with the share of colleagues in the same role over a year, scaled by how many look-ups
the person made, so a busy user and an occasional one are judged on the same footing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.access import OWNER, no_incident, reference_missing
from integritas.metrics.registry import metric
from integritas.metrics.shapes import people, safe_div
from integritas.metrics.windows import counted, windowed

ZERO_FILL: frozenset[str] = frozenset()  # rates and scores: no look-ups means no value
SHARE_WINDOW = 90  # days: the share metric's look-back
ROLE_WINDOW = 365  # days: a year of look-ups, so that a steady habit has the power to show
# A role's rate is trusted when at least this many other people in it made look-ups in the
# window; otherwise the person is compared with everyone else in the force.
MIN_ROLE_PEERS = 10

_COMMON: dict[str, Any] = dict(
    version=1,
    tier="tertiary",
    subject="person",
    purpose="conduct",
    owner=OWNER,
    family="system_access",
)


def _flagged(ctx: MetricContext) -> ir.Table:
    t = ctx.table("it_access")
    return t.mutate(_unref=reference_missing(t).cast("int64"))


def _no_incident_evidence(days: int) -> Callable[[MetricContext], ir.Table]:
    """The unreferenced look-ups inside each period's window of ``days`` days."""
    return counted("it_access", no_incident, "person_id", "event_time", days)[1]


@metric(
    name="it_no_incident_share",
    period="rolling_90d",
    reads=("it_access.person_id", "it_access.incident_reference", "it_access.event_time"),
    description="Share of a person's look-ups with no linked incident or case reference, in the "
    "90 days to the month end.",
    explanation="{value:.0f}% of look-ups in 90 days had no incident reference; peers in the "
    "same group: {peer_low:.0f}-{peer_high:.0f}%",
    evidence=_no_incident_evidence(SHARE_WINDOW),
    unit="%",
    **_COMMON,
)
def it_no_incident_share(ctx: MetricContext) -> ir.Table:
    """100 x look-ups without an incident reference / all look-ups, 90-day window."""
    w = windowed(ctx, _flagged(ctx), "person_id", "event_time", SHARE_WINDOW)
    agg = w.group_by(["subject_id", "period_start"]).aggregate(
        unref=w._unref.sum(), total=w.count()
    )
    return agg.select("subject_id", "period_start", value=100.0 * safe_div(agg.unref, agg.total))


def _per_person_role(ctx: MetricContext) -> ir.Table:
    """Per person and period: look-ups in the year (``total``), those without a reference
    (``unref``), whether the role is large enough to compare with (``by_role``) and the rate
    among the person's comparators, the person left out (``rate``)."""
    w = windowed(ctx, _flagged(ctx), "person_id", "event_time", ROLE_WINDOW)
    agg = w.group_by(["subject_id", "period_start"]).aggregate(
        unref=w._unref.sum(), total=w.count()
    )
    p = people(ctx)
    roles = p.select(
        r_person=p.person_id.cast("string"),
        role=p.role.strip().lower().fill_null("").cast("string"),
    )
    j = agg.left_join(roles, agg.subject_id == roles.r_person).drop("r_person")
    j = j.mutate(role=j.role.fill_null(""))
    in_role = dict(group_by=[j.period_start, j.role])
    in_force = dict(group_by=[j.period_start])
    j = j.mutate(
        role_peers=j.count().over(**in_role) - 1,
        role_unref=j.unref.sum().over(**in_role) - j.unref,
        role_total=j.total.sum().over(**in_role) - j.total,
        force_unref=j.unref.sum().over(**in_force) - j.unref,
        force_total=j.total.sum().over(**in_force) - j.total,
    )
    j = j.mutate(by_role=(j.role != "") & (j.role_peers >= MIN_ROLE_PEERS))
    rate = ibis.cases(
        (j.by_role, safe_div(j.role_unref, j.role_total)),
        else_=safe_div(j.force_unref, j.force_total),
    )
    return j.mutate(rate=rate)


def _robust(t: ir.Table, col: str, keys: list[str], prefix: str) -> ir.Table:
    """Adds ``<prefix>_med`` and ``<prefix>_mad`` (median absolute deviation) of ``col``."""
    med = f"{prefix}_med"
    t = t.mutate(**{med: t[col].median().over(group_by=[t[k] for k in keys])})
    dev = (t[col] - t[med]).abs()
    return t.mutate(**{f"{prefix}_mad": dev.median().over(group_by=[t[k] for k in keys])})


@metric(
    name="it_no_reference_vs_role",
    period=f"rolling_{ROLE_WINDOW}d",
    reads=(
        "it_access.person_id",
        "it_access.incident_reference",
        "it_access.event_time",
        "hr_master.person_id",
        "hr_master.role",
    ),
    description="How far the share of a person's look-ups with no incident or case reference, "
    "over the 365 days to the month end, lies above the share among colleagues in the same role "
    f"(the whole force where fewer than {MIN_ROLE_PEERS} others hold the role). The gap is "
    "measured in standard errors for the number of look-ups the person made, then as a robust "
    "z among the role's own scores, so a role whose habits vary widely is judged by its own "
    "spread. About 0 is usual; with no variation in habit beyond chance, 4 or more arises "
    "about once in 30,000 people.",
    explanation="share of look-ups with no incident reference over a year scores {value:.1f} "
    "against colleagues in the same role",
    evidence=_no_incident_evidence(ROLE_WINDOW),
    unit="score",
    **_COMMON,
)
def it_no_reference_vs_role(ctx: MetricContext) -> ir.Table:
    """z = 2*sqrt(n)*(asin(sqrt(u/n)) - asin(sqrt(r))) (variance-stabilised binomial score: n
    the person's look-ups in 365 days, u those with no incident_reference, r the unreferenced
    share among the other holders of the same hr_master role, or of the rest of the force when
    fewer than MIN_ROLE_PEERS others hold it); value = (z - median z) / max(1.4826 * MAD of z,
    1) over that same comparison group. Null where r is undefined."""
    t = _per_person_role(ctx)
    share = safe_div(t.unref, t.total)
    z = 2.0 * t.total.cast("float64").sqrt() * (share.sqrt().asin() - t.rate.sqrt().asin())
    t = t.mutate(z=z).filter(lambda r: r.z.notnull())
    t = _robust(t, "z", ["period_start", "role"], "r")
    t = _robust(t, "z", ["period_start"], "f")
    med = ibis.cases((t.by_role, t.r_med), else_=t.f_med)
    mad = ibis.cases((t.by_role, t.r_mad), else_=t.f_mad)
    value = (t.z - med) / ibis.greatest(1.4826 * mad, 1.0)
    return t.select("subject_id", "period_start", value=value)
