"""Office attendance against the person's own hybrid-working policy."""

from __future__ import annotations

from integritas.detect import suppressors as _suppressors  # noqa: F401  (registers context)
from integritas.detect.models import Direction, Mode, Persistence, Rule, Severity, Tier
from integritas.detect.registry import RULES

RULES.add(
    Rule(
        name="hybrid_attendance_below_policy",
        version=1,
        title="Office attendance well below own policy",
        owner="Head of Professional Standards",
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.LOW,
        metric="office_attendance_policy_met_pct",
        direction=Direction.BELOW,
        threshold=75,
        persistence=Persistence(k=2, n=3),
        suppressors=("attendance_exemption", "part_time_pro_rata", "reasonable_adjustment"),
        scenario="hybrid_noncompliance",
        explanation="office attendance was {value}% of own policy in the month (flag below "
        "{threshold}%).",
        rationale="Measured against the person's own policy over their own rostered working "
        "days, so part-time patterns, leave and sickness do not count against them; approved "
        "exemptions and reasonable adjustments remove the flag. A quarter short of policy in "
        "two of three months is well beyond month-to-month noise. Misses people who badge in "
        "and leave.",
    )
)
