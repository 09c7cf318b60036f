"""Overtime rules: claims the force's own records contradict, and hours against peers."""

from __future__ import annotations

from typing import Any

from integritas.detect import suppressors as _suppressors  # noqa: F401  (registers context)
from integritas.detect.models import Mode, Persistence, Rule, Severity, Tier
from integritas.detect.registry import RULES

PSD = "Head of Professional Standards"


def _tertiary(
    name: str,
    title: str,
    metric: str,
    threshold: float,
    scenario: str,
    explanation: str,
    rationale: str,
    **kw: Any,
) -> None:
    RULES.add(
        Rule(
            name=name, version=1, title=title, owner=PSD, tier=Tier.TERTIARY,
            mode=kw.pop("mode", Mode.LIVE), metric=metric, threshold=threshold,
            scenario=scenario, explanation=explanation, rationale=rationale, **kw,
        )
    )  # fmt: skip


_tertiary(
    "overtime_self_authorised",
    "Overtime authorised by the claimant",
    "overtime_self_authorised_claims",
    1,
    "self_authorised_claim",
    "{value} overtime [claim|claims] in the month [was|were] authorised by the claimant.",
    "Separation of duties: nobody may approve their own pay. Any instance is a control "
    "failure worth review, whatever the amount.",
    severity=Severity.HIGH,
)
_tertiary(
    "overtime_overlapping_claims",
    "Same hours claimed twice",
    "overtime_overlapping_claims",
    2,
    "double_claim",
    "{value} overtime [claim|claims] in the month [overlaps|overlap] another claim for the same hours.",
    "A person cannot work the same hour twice. Two overlapping claims form a pair, so the "
    "threshold is one pair. Misses duplicates entered under different dates.",
    severity=Severity.HIGH,
)
_tertiary(
    "overtime_no_presence",
    "Overtime with no presence recorded",
    "overtime_claims_no_presence",
    2,
    "overtime_no_presence",
    "{value} overtime [claim|claims] in the month with no badge or device record during the claimed "
    "hours (threshold {threshold}).",
    "Badge readers and duty devices independently record attendance; a claim with neither "
    "during its hours has nothing supporting it. One can be a missed swipe or a flat "
    "battery. Shadow: in evaluation two in one month were mostly missed swipes; the 91-day "
    "rule carries this indicator.",
    mode=Mode.SHADOW,
)
_tertiary(
    "overtime_no_presence_quarter",
    "Overtime with no presence recorded, over 91 days",
    "overtime_claims_no_presence_91d",
    4,
    "overtime_no_presence",
    "{value} overtime [claim|claims] in the 91 days to {period_end} with no badge or device record "
    "during the claimed hours (threshold {threshold}).",
    "Catches the behaviour spread thinly over months. Missed swipes and flat batteries give "
    "most people one or two unsupported claims a quarter, but a count grows with the number "
    "of claims: shadow, because in evaluation most hits were people working heavy overtime "
    "(about two in three flags), and the rest-day and booked-off rules raised every true case "
    "it did.",
    mode=Mode.SHADOW,
)
_tertiary(
    "rest_day_claim_no_presence",
    "Rest-day overtime with no presence recorded at all",
    "rest_day_claims_no_presence",
    1,
    "overtime_no_presence",
    "{value} overtime [claim|claims] in the month for work on a rest day with no badge or device "
    "record at any time during the claimed hours (threshold {threshold}).",
    "A whole rest day worked leaves badge swipes and duty-device pings; a claim with neither "
    "has nothing supporting it. Unlike an extension, a single missed swipe cannot explain "
    "it, so one claim is enough for a review.",
    severity=Severity.HIGH,
)
_tertiary(
    "overtime_after_booking_off",
    "Overtime claimed after booking off",
    "overtime_claims_after_booking_off",
    1,
    "overtime_no_presence",
    "{value} overtime [claim|claims] in the month [runs|run] on more than 30 minutes past the booked-off "
    "time recorded on the roster (threshold {threshold}).",
    "The roster's booking-off time and the claim are two records of the same evening; a "
    "claim running past it claims hours the roster says were not worked. The two records "
    "rarely disagree by chance, so one claim is enough for a review.",
)
_tertiary(
    "overtime_during_absence",
    "Overtime claimed during absence",
    "overtime_claims_during_absence",
    2,
    "double_claim",
    "{value} overtime [claim|claims] in the month for days recorded as absence.",
    "Pay for work on a day recorded as sickness or leave is paid twice or not worked. Shadow: "
    "part-day absences make single claims legitimate.",
    mode=Mode.SHADOW,
)
_tertiary(
    "overtime_without_operation",
    "Operation overtime with no operation",
    "overtime_claims_without_operation",
    2,
    "overtime_no_presence",
    "{value} [claim|claims] in the month [gives|give] an operation reason but [names|name] no operation running that day.",
    "Operation overtime is authorised per operation; a claim naming none that ran cannot "
    "have been authorised under one. Shadow until operation codes are reliably entered.",
    mode=Mode.SHADOW,
)

RULES.add(
    Rule(
        name="overtime_hours_vs_peers",
        version=1,
        title="Overtime hours far above peers",
        owner="Head of People Services",
        tier=Tier.SECONDARY,
        mode=Mode.LIVE,
        metric="overtime_hours",
        min_robust_z=3.5,
        mad_floor=2.0,
        min_peer_group=8,
        persistence=Persistence(k=2, n=3),
        suppressors=("major_event_overtime",),
        scenario="excessive_hours",
        explanation="{value} overtime [hour|hours] in the month against a peer median of "
        "{peer_median} ({peer_n} peers, robust z {robust_z}).",
        rationale="Sustained overtime far above colleagues doing the same job is a fatigue "
        "risk. Peer comparison within unit/role; authorised major events explain it. Welfare "
        "route only: high overtime is not misconduct.",
    )
)
