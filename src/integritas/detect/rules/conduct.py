"""Complaint and conduct rules: early intervention (secondary) and misconduct patterns."""

from __future__ import annotations

from integritas.detect.models import Mode, Rule, Severity, Tier
from integritas.detect.registry import RULES

PSD = "Head of Professional Standards"

RULES.add(
    Rule(
        name="complaints_above_peers",
        version=1,
        title="More complaints than peers",
        owner=PSD,
        tier=Tier.SECONDARY,
        mode=Mode.LIVE,
        severity=Severity.MEDIUM,
        metric="complaints_12m",
        threshold=3.0,
        min_robust_z=2.0,
        min_peer_group=5,
        scenario="complaint_pattern",
        explanation="{value} [complaint|complaints] in the 12 months to {period_end}; peers: "
        "{peer_low}-{peer_high} (robust z {robust_z}).",
        rationale="Early intervention: a supportive review when complaints run well above "
        "peers doing similar work; not a finding, and no misconduct route.",
    )
)
RULES.add(
    Rule(
        name="complaints_recent_cluster",
        version=1,
        title="Recent cluster of complaints",
        owner=PSD,
        tier=Tier.SECONDARY,
        mode=Mode.SHADOW,
        metric="complaints_90d",
        threshold=2.0,
        scenario="complaint_pattern",
        explanation="{value} [complaint|complaints] in the 90 days to {period_end}.",
        rationale="Recency: a fresh cluster matters more than an old one; shadow until measured.",
    )
)
RULES.add(
    Rule(
        name="similar_allegations",
        version=1,
        title="Same allegation from different complainants",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        metric="complaints_same_allegation",
        threshold=3.0,
        scenario="complaint_pattern",
        explanation="{value} different [complainant|complainants] made the same kind of allegation in the "
        "12 months to {period_end}.",
        rationale="Independent people describing the same behaviour is the strongest signal in "
        "complaint data; the same complainant complaining repeatedly is not counted twice.",
    )
)
RULES.add(
    Rule(
        name="repeated_sustained_findings",
        version=1,
        title="Repeated sustained findings",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.MEDIUM,
        metric="sustained_findings_3y",
        threshold=2.0,
        scenario="repeat_misconduct",
        explanation="{value} [upheld complaint or proven finding|upheld complaints or proven findings] in the three years to "
        "{period_end}.",
        rationale="Already known to professional standards; shown for context, so shadow.",
    )
)
RULES.add(
    Rule(
        name="complaint_after_intervention",
        version=1,
        title="New complaint within a year of an intervention",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.MEDIUM,
        metric="complaints_after_intervention",
        threshold=1.0,
        scenario="repeat_misconduct",
        explanation="{value} new [complaint|complaints] in {period_start} within a year of a finding or "
        "sanction.",
        rationale="Repeats after an intervention suggest it did not work; one complaint is weak "
        "evidence, hence shadow.",
    )
)
