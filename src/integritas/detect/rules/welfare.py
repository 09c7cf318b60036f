"""Welfare rules (secondary tier: routed to line managers, never to misconduct)."""

from __future__ import annotations

from typing import Any

from integritas.detect import suppressors as _suppressors  # noqa: F401  (registers context)
from integritas.detect.models import Direction, Mode, Persistence, Rule, Severity, Tier
from integritas.detect.registry import RULES

PEOPLE = "Head of People Services"


def _welfare(
    name: str,
    title: str,
    metric: str,
    scenario: str,
    explanation: str,
    rationale: str,
    **kw: Any,
) -> None:
    RULES.add(
        Rule(
            name=name, version=1, title=title, owner=PEOPLE, tier=Tier.SECONDARY,
            mode=kw.pop("mode", Mode.LIVE), severity=kw.pop("severity", Severity.MEDIUM),
            metric=metric, scenario=scenario, explanation=explanation, rationale=rationale,
            **kw,
        )
    )  # fmt: skip


_welfare(
    "working_time_over_48h",
    "Average weekly hours over the working-time limit",
    "avg_weekly_hours",
    "excessive_hours",
    "averaged {value} [hour|hours] a week in the month (limit {threshold}).",
    "The Working Time Regulations cap average weekly hours at 48. Two months in three over "
    "it is sustained, not a one-off operation; authorised major events explain it.",
    threshold=48,
    persistence=Persistence(k=2, n=3),
    suppressors=("major_event_overtime",),
)
_welfare(
    "repeated_weeks_over_48h",
    "Repeated weeks over 48 hours",
    "weeks_over_48_hours",
    "excessive_hours",
    "{value} [week|weeks] over 48 hours in the month (threshold {threshold}).",
    "Several long weeks in a month, month after month, is a fatigue risk even when the "
    "average is under the limit.",
    threshold=3,
    persistence=Persistence(k=2, n=3),
    suppressors=("major_event_overtime", "part_time_pro_rata"),
    mode=Mode.SHADOW,
)
_welfare(
    "long_shifts",
    "Repeated shifts over 12 hours",
    "long_shifts",
    "excessive_hours",
    "{value} [shift|shifts] longer than 12 hours in the month (threshold {threshold}).",
    "Fatigue risk rises sharply beyond 12 hours; a few are normal (late arrests).",
    threshold=4,
    suppressors=("major_event_overtime",),
)
_welfare(
    "short_rest_breaks",
    "Repeatedly less than 11 hours' rest",
    "short_rest_breaks",
    "excessive_hours",
    "{value} [shift|shifts] started with less than 11 hours' rest in the month (threshold {threshold}).",
    "Daily rest of 11 hours is the working-time norm; quick changeovers are sometimes "
    "rostered, so only repeated breaches flag.",
    threshold=4,
    mode=Mode.SHADOW,
)
_welfare(
    "long_night_runs",
    "Long runs of consecutive nights",
    "night_shift_run",
    "excessive_hours",
    "worked {value} [night|nights] in a row (threshold {threshold}).",
    "Long runs of nights disrupt sleep; people on a planned night rota are excluded.",
    threshold=6,
    suppressors=("night_rota",),
)
_welfare(
    "no_annual_leave",
    "No annual leave in 180 days",
    "annual_leave_days_180d",
    "no_leave",
    "{value} [day|days] of annual leave in the 180 days to {period_end}.",
    "Taking no leave for six months is an early sign of overwork, and in integrity terms a "
    "reason to check nobody else covers the role. Only assessed with a full 180-day roster.",
    threshold=1,
    direction=Direction.BELOW,
    suppressors=("reasonable_adjustment",),
)
_welfare(
    "sickness_rising_with_overtime",
    "Sickness rising with overtime",
    "sickness_rising_with_overtime",
    "rising_sickness_overtime",
    "sickness and overtime both rose over the three months to {period_end}.",
    "Rising sickness alongside rising overtime is a classic burn-out pattern; a reasonable "
    "adjustment means the sickness is already being managed.",
    threshold=1,
    suppressors=("reasonable_adjustment", "major_event_overtime"),
    severity=Severity.HIGH,
)
