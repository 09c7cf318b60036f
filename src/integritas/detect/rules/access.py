"""System-access rules: police systems used without a policing purpose (tertiary)."""

from __future__ import annotations

from typing import Any

from integritas.detect import suppressors as _shared  # noqa: F401  (registers shared context)
from integritas.detect.models import Mode, Rule, Severity, Tier
from integritas.detect.registry import RULES, SUPPRESSORS

OWNER = "Head of Professional Standards"
# Roles whose job is bulk analysis of police data (a force lists its own; compared lower-case).
ANALYSIS_ROLES = ("analyst", "intelligence_analyst", "data_analyst", "performance_analyst")


@SUPPRESSORS.register(
    "analysis_role",
    description="The person's role is analytical: bulk extraction is part of the job and is "
    "reviewed by the analysis manager, not as misconduct.",
    reads=("hr_master.person_id", "hr_master.role"),
)
def analysis_role(con: Any, hits: str) -> str:
    roles = ", ".join(f"'{r}'" for r in ANALYSIS_ROLES)
    return f"""
        SELECT DISTINCT h.person_id, h.period_start,
               'analytical role (' || p.role || '): bulk extraction is part of the job' AS reason
        FROM {hits} h JOIN hr_master p ON p.person_id = h.person_id
        WHERE lower(p.role) IN ({roles})
    """


# Roles whose job is to look into colleagues (professional standards, vetting): their colleague
# look-ups are reviewed through their own case management, not as misuse.
COLLEAGUE_REVIEW_ROLES = ("investigator", "professional_standards", "vetting_officer")


@SUPPRESSORS.register(
    "colleague_review_role",
    description="The person's role is to investigate or vet colleagues: colleague look-ups are "
    "part of the job and are reviewed through that function's own case records.",
    reads=("hr_master.person_id", "hr_master.role"),
)
def colleague_review_role(con: Any, hits: str) -> str:
    roles = ", ".join(f"'{r}'" for r in COLLEAGUE_REVIEW_ROLES)
    return f"""
        SELECT DISTINCT h.person_id, h.period_start,
               'role (' || p.role || ') looks into colleagues as part of the job' AS reason
        FROM {hits} h JOIN hr_master p ON p.person_id = h.person_id
        WHERE lower(p.role) IN ({roles})
    """


_BASE: dict[str, Any] = dict(
    version=1, owner=OWNER, tier=Tier.TERTIARY, scenario="system_misuse", mode=Mode.LIVE
)

RULES.add(
    Rule(
        name="it_unreferenced_share_high",
        title="Unusually many look-ups without an incident reference",
        metric="it_no_incident_share",
        threshold=15.0,
        min_robust_z=3.0,
        min_peer_group=8,
        mad_floor=2.0,
        severity=Severity.MEDIUM,
        explanation="{value}% of look-ups in the 90 days to {period_end} had no incident "
        "reference; peers: {peer_low}-{peer_high}% (robust z {robust_z}).",
        rationale="Every look-up should carry its policing purpose. A share far above the "
        "person's peers (robust z >= 3, at least 15%) is worth a review; busy roles are compared "
        "with their own peer group. Misses misuse hidden behind copied references. Shadow: in evaluation the share did not separate misuse from low-volume users.",
        **{**_BASE, "mode": Mode.SHADOW},
    )
)
RULES.add(
    Rule(
        name="it_unreferenced_count_high",
        title="Many look-ups without an incident reference",
        metric="it_lookups_no_incident",
        threshold=10.0,
        min_robust_z=3.5,
        min_peer_group=8,
        severity=Severity.LOW,
        explanation="{value} [look-up|look-ups] without an incident reference in the 90 days to "
        "{period_end}; peers: {peer_low}-{peer_high}.",
        rationale="Counts favour busy users; kept in shadow beside the share-based rule.",
        **(_BASE | {"mode": Mode.SHADOW}),
    )
)
RULES.add(
    Rule(
        name="it_unreferenced_vs_role",
        title="Look-ups without a reference far more often than colleagues in the same role",
        metric="it_no_reference_vs_role",
        threshold=4.0,
        severity=Severity.MEDIUM,
        explanation="Over the year to {period_end}, the share of this person's look-ups with no "
        "incident reference stands {value} [standard error|standard errors] above colleagues in the same role, "
        "allowing for how many look-ups the person made and for how much the role's habits vary "
        "(chance alone gives 4 or more about once in 30,000 people).",
        rationale="Every look-up should carry its policing purpose. Comparing with colleagues in "
        "the same role allows for jobs that legitimately record fewer references; scoring in "
        "standard errors for the person's own number of look-ups judges busy and occasional "
        "users alike; a role whose habits vary widely is judged by its own spread; a year of "
        "look-ups gives a steady habit the power to show. Misses misuse hidden behind copied "
        "references, short bursts within a year, and a habit shared by a whole role.",
        **_BASE,
    )
)
# (rule, metric, what, severity, threshold, suppressors, mode). Same-surname look-ups need 3:
# common surnames make a single shared-surname look-up routine (evaluation: 558 person-months
# with one, 35 with two, 2 with three among people with no misuse). Restricted-record look-ups
# stay in shadow until their precision is shown: in evaluation most two-look-up months were
# routine.
_TARGETED: tuple[tuple[str, str, str, Severity, float, tuple[str, ...], Mode], ...] = (
    (
        "it_colleague_lookups",
        "it_colleague_lookups_no_reference",
        "colleagues",
        Severity.HIGH,
        2.0,
        ("colleague_review_role",),
        Mode.LIVE,
    ),
    (
        "it_restricted_lookups",
        "it_restricted_lookups_no_reference",
        "restricted records",
        Severity.HIGH,
        2.0,
        (),
        Mode.SHADOW,
    ),
    (
        "it_own_surname_lookups",
        "it_same_surname_lookups",
        "people sharing their surname",
        Severity.HIGH,
        3.0,
        (),
        Mode.LIVE,
    ),
    (
        "it_own_postcode_lookups",
        "it_same_postcode_lookups",
        "people at their home postcode",
        Severity.HIGH,
        2.0,
        (),
        Mode.LIVE,
    ),
)
for name, metric, what, severity, threshold, suppressors, mode in _TARGETED:
    RULES.add(
        Rule(
            name=name,
            title=f"Look-ups of {what} with no reference",
            metric=metric,
            threshold=threshold,
            severity=severity,
            suppressors=suppressors,
            explanation=f"{{value}} [look-up|look-ups] of {what} with no incident or case reference in "
            "the 90 days to {period_end}.",
            rationale=f"Looking up {what} without a recorded purpose is the commonest form of "
            f"data misuse found by audits; one look-up can be a slip, {threshold:.0f} within 90 "
            "days is a pattern worth a review. Referenced look-ups are not counted.",
            **{**_BASE, "mode": mode},
        )
    )
RULES.add(
    Rule(
        name="it_bulk_exports",
        title="Bulk exports with no reference",
        metric="it_bulk_exports_no_reference",
        threshold=2.0,
        suppressors=("analysis_role",),
        severity=Severity.HIGH,
        explanation="{value} bulk [export|exports] with no reference in the 90 days to {period_end}.",
        rationale="Bulk extraction without a tasking reference risks mass disclosure; analysts "
        "export as part of the job and are left to their own review.",
        **_BASE,
    )
)
RULES.add(
    Rule(
        name="it_off_duty_lookups",
        title="Look-ups made off duty",
        metric="it_out_of_duty_lookups",
        threshold=2.0,
        suppressors=("night_rota",),
        severity=Severity.MEDIUM,
        explanation="{value} [look-up|look-ups] in the 90 days to {period_end} made with no worked shift "
        "covering the time (an hour's grace either side).",
        rationale="Systems are for duty use; look-ups well outside any worked shift suggest "
        "personal use. Night rotas are covered by their shifts and also suppressed; a roster "
        "not updated for an extension is the usual innocent cause.",
        **_BASE,
    )
)
RULES.add(
    Rule(
        name="it_volume_spike",
        title="Look-up volume far above own baseline",
        metric="it_lookup_volume_vs_baseline",
        threshold=3.0,
        severity=Severity.LOW,
        explanation="{value} [time|times] the person's own monthly look-up volume in {period_start}.",
        rationale="A change in own behaviour; many innocent causes (new post, major "
        "investigation), so shadow only.",
        **(_BASE | {"mode": Mode.SHADOW}),
    )
)
RULES.add(
    Rule(
        name="it_repeat_subject",
        title="One subject looked up repeatedly",
        metric="it_repeat_subject_lookups",
        threshold=5.0,
        severity=Severity.LOW,
        explanation="one subject looked up {value} [time|times] in {period_start}.",
        rationale="Repeated look-ups of one subject can show personal interest; investigations "
        "also do this, so shadow until measured.",
        **(_BASE | {"mode": Mode.SHADOW}),
    )
)
