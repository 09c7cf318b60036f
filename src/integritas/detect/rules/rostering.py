"""Rostering rules: self-serving edits to one's own roster, edits outside one's role."""

from __future__ import annotations

from integritas.detect import suppressors as _suppressors  # noqa: F401  (registers context)
from integritas.detect.models import Mode, Persistence, Rule, Severity, Tier
from integritas.detect.registry import RULES

PSD = "Head of Professional Standards"

RULES.add(
    Rule(
        name="roster_self_overtime_edits",
        version=2,
        title="Own roster edited to add paid overtime",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        metric="roster_self_overtime_edits",
        threshold=2,
        scenario="roster_manipulation",
        explanation="{value} [edit|edits] to own shifts added paid overtime in the 90 days to "
        "{period_end} (threshold {threshold}); peers: {peer_low}-{peer_high}.",
        rationale="Overtime is added to a shift by the supervisor who approves it; a person "
        "adding paid hours to their own shift twice within 90 days bypasses that control. One "
        "edit may be a genuine correction, so one alone does not flag; a 90-day window sees "
        "edits spread one a month, which a calendar month would not. Misses manipulation done "
        "through a colleague's account.",
    )
)

RULES.add(
    Rule(
        name="roster_retrospective_self_edits",
        version=2,
        title="Own shifts edited retrospectively",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.MEDIUM,
        metric="roster_retrospective_self_edits",
        threshold=2,
        scenario="roster_manipulation",
        explanation="{value} [edit|edits] to own shifts made more than a day after the shift ended, "
        "in the 90 days to {period_end} (threshold {threshold}); peers: {peer_low}-{peer_high}.",
        rationale="Changing one's own record of a shift days after it ended is how hours that "
        "were never worked enter the roster; corrections are normally made by a supervisor. "
        "Two or more within 90 days; a single late correction does not flag.",
    )
)

RULES.add(
    Rule(
        name="roster_peer_edits_non_supervisor",
        version=1,
        title="Colleagues' shifts edited by a non-supervisor",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="roster_peer_edits_non_supervisor",
        threshold=3,
        suppressors=("rostering_role",),
        scenario="roster_manipulation",
        explanation="{value} [edit|edits] to colleagues' shifts by someone who is not a supervisor "
        "(threshold {threshold}).",
        rationale="Editing other people's rosters is a supervisor's or resourcing role; others "
        "doing it repeatedly may be acting for a colleague. Shadow until the force confirms "
        "which roles may roster (acting supervisors are not in hr_master).",
    )
)

RULES.add(
    Rule(
        name="roster_self_rest_day_cancellations",
        version=1,
        title="Own rest days cancelled",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        metric="roster_self_rest_day_cancellations",
        threshold=2,
        suppressors=("major_event_overtime",),
        scenario="roster_manipulation",
        explanation="{value} own rest [day|days] turned into [a duty day|duty days] in the month "
        "(threshold {threshold}).",
        rationale="Rest-day working is paid at a premium and is set by resourcing, not by the "
        "officer. Authorised major-event working explains it. Shadow: few systems record it.",
    )
)

RULES.add(
    Rule(
        name="roster_repeat_swap_partner",
        version=1,
        title="Repeated swaps with one colleague",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="roster_repeat_swap_partner",
        threshold=4,
        persistence=Persistence(k=2, n=3),
        scenario="roster_manipulation",
        explanation="{value} shift [swap|swaps] with the same colleague in the month "
        "(threshold {threshold}).",
        rationale="Swaps are normal; many with one colleague, month after month, can hide "
        "one covering for the other. Weak on its own, so shadow.",
    )
)
