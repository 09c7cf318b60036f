"""Absence rules: sickness patterns for welfare (secondary) and working while signed off."""

from __future__ import annotations

from integritas.detect import suppressors as _shared  # noqa: F401  (registers shared context)
from integritas.detect.models import Mode, Rule, Severity, Tier
from integritas.detect.registry import RULES

WELFARE = "Head of Occupational Health and Wellbeing"

RULES.add(
    Rule(
        name="frequent_sickness",
        version=1,
        title="Frequent short sickness",
        owner=WELFARE,
        tier=Tier.SECONDARY,
        mode=Mode.LIVE,
        severity=Severity.MEDIUM,
        metric="sickness_spells_12m",
        threshold=4.0,
        suppressors=("reasonable_adjustment",),
        scenario="rising_sickness_overtime",
        explanation="{value} sickness [spell|spells] in the 12 months to {period_end}; peers: "
        "{peer_low}-{peer_high}.",
        rationale="Frequent spells are the usual trigger for an attendance conversation about "
        "health and support. Spells under a reasonable adjustment are not counted, and anyone "
        "with an adjustment is judged against it, not this trigger.",
    )
)
RULES.add(
    Rule(
        name="bradford_factor_high",
        version=1,
        title="High Bradford factor",
        owner=WELFARE,
        tier=Tier.SECONDARY,
        mode=Mode.SHADOW,
        metric="bradford_factor_12m",
        threshold=200.0,
        suppressors=("reasonable_adjustment",),
        scenario="rising_sickness_overtime",
        explanation="Bradford factor {value} over the 12 months to {period_end}.",
        rationale="A common welfare trigger that weights many short spells; known to bear "
        "hard on disabled staff, hence shadow and the adjustment suppressor.",
    )
)
RULES.add(
    Rule(
        name="sickness_next_to_rest_days",
        version=1,
        title="Short sickness next to rest days",
        owner=WELFARE,
        tier=Tier.SECONDARY,
        mode=Mode.SHADOW,
        metric="short_sickness_next_to_rest_days",
        threshold=3.0,
        suppressors=("reasonable_adjustment",),
        scenario="rest_day_sickness",
        explanation="{value} short sickness [spell|spells] next to rest days in the 12 months to "
        "{period_end}.",
        rationale="A pattern for a supportive conversation, never proof: rest days adjoin many "
        "days of a rota by chance.",
    )
)
RULES.add(
    Rule(
        name="long_term_sickness",
        version=1,
        title="Long-term sickness",
        owner=WELFARE,
        tier=Tier.SECONDARY,
        mode=Mode.LIVE,
        severity=Severity.LOW,
        metric="long_term_sickness",
        threshold=28.0,
        suppressors=("reasonable_adjustment",),
        scenario="long_term_sickness",
        explanation="a sickness spell of {value} [day|days] overlaps {period_start}.",
        rationale="28 days is the usual occupational-health referral point.",
    )
)
RULES.add(
    Rule(
        name="working_while_sick",
        version=1,
        title="Overtime or system use while off sick",
        owner="Head of Professional Standards",
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.MEDIUM,
        metric="activity_while_sick",
        threshold=2.0,
        scenario="working_while_sick",
        explanation="{value} overtime [claim|claims] or system [look-up|look-ups] in {period_start} on days "
        "recorded as sick.",
        rationale="Claiming overtime or using systems while signed off sick contradicts the "
        "absence record; the usual innocent cause is an absence end date not updated on an "
        "early return, so shadow until measured.",
    )
)
