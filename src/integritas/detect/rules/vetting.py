"""Vetting and mandatory-training rules.

Lapsed vetting is first an organisational failure; it is routed as possible misconduct here
because a person in post without valid clearance must not keep access to sensitive systems,
and professional standards owns that decision. Overdue reviews allow the vetting unit a
month's grace before they flag.
"""

from __future__ import annotations

from integritas.detect.models import Mode, Rule, Severity, Tier
from integritas.detect.registry import RULES

PSD = "Head of Professional Standards"
REVIEW_GRACE_DAYS = 30.0

RULES.add(
    Rule(
        name="vetting_lapsed",
        version=1,
        title="Vetting lapsed while in post",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.MEDIUM,
        metric="vetting_lapsed",
        threshold=1.0,
        scenario="vetting_lapsed",
        explanation="vetting clearance recorded as lapsed at {period_end} while in post.",
        rationale="Clearance is a condition of the post; the vetting unit confirms whether the "
        "person failed to renew or the force failed to review.",
    )
)
RULES.add(
    Rule(
        name="vetting_review_overdue",
        version=1,
        title="Vetting review overdue",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.LOW,
        metric="vetting_review_overdue_days",
        threshold=REVIEW_GRACE_DAYS,
        scenario="vetting_lapsed",
        explanation="vetting review {value} [day|days] overdue at {period_end}.",
        rationale="A review more than a month overdue means clearance is in effect lapsed; low "
        "severity because the cause is often organisational.",
    )
)
RULES.add(
    Rule(
        name="mandatory_training_long_overdue",
        version=1,
        title="Mandatory training long overdue",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.LOW,
        metric="mandatory_training_long_overdue",
        threshold=1.0,
        scenario="training_overdue",
        explanation="{value} mandatory [course|courses] more than 90 days overdue at {period_end}.",
        rationale="Mandatory training (information security, data protection) is a lawful "
        "instruction; 90 days past due, after the line-manager prompt, it is a conduct matter.",
    )
)
RULES.add(
    Rule(
        name="mandatory_training_overdue",
        version=1,
        title="Mandatory training overdue",
        owner="Head of Learning and Development",
        tier=Tier.SECONDARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="mandatory_training_overdue",
        threshold=1.0,
        scenario="training_overdue",
        explanation="{value} mandatory [course|courses] overdue at {period_end}.",
        rationale="A prompt for the line manager before the 90-day conduct threshold.",
    )
)
