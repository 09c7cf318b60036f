"""Rule precision from human decisions: confirmed / (confirmed + dismissed) per rule and version.

A triage dismissal and a non-confirming case outcome (no further action, legitimate explanation)
count as dismissed; an outcome that confirms the indicator counts as confirmed. Duplicates are
left out: they say nothing about the rule. A rule whose precision over the floor window falls
below its floor, on at least the minimum number of decisions, is marked for review. Nothing is
retrained: the mark is for the rule's owner to act on.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.authz import record_access, require
from integritas.access.models import User
from integritas.cases.disposal import disposed_decisions
from integritas.cases.models import CaseOutcome, ReviewFlag
from integritas.cases.outcomes import NOT_COUNTED_FOR_PRECISION
from integritas.cases.settings import CasesSettings
from integritas.store.base import utcnow


class ReviewDecision(BaseModel):
    """One human decision about one flag."""

    rule: str
    rule_version: int
    received_at: datetime
    decided_at: datetime
    verdict: Literal["confirmed", "dismissed"]
    reason: str  # dismissal reason or outcome code


class WindowPrecision(BaseModel):
    days: int
    confirmed: int
    dismissed: int
    precision: float | None
    median_days_to_decision: float | None


class RuleHealth(BaseModel):
    rule: str
    rule_version: int
    decisions: int
    open_flags: int
    windows: list[WindowPrecision]
    dismissal_reasons: dict[str, int]
    floor: float
    needs_review: bool
    review_reason: str | None


def compute_health(
    decisions: Sequence[ReviewDecision],
    *,
    now: datetime,
    settings: CasesSettings | None = None,
    open_flags: dict[tuple[str, int], int] | None = None,
) -> list[RuleHealth]:
    """Pure arithmetic over decisions; one entry per rule and version, sorted."""
    cfg = settings or CasesSettings()
    opened = open_flags or {}
    keys = sorted({(d.rule, d.rule_version) for d in decisions} | set(opened))
    out: list[RuleHealth] = []
    for rule, version in keys:
        mine = [d for d in decisions if (d.rule, d.rule_version) == (rule, version)]
        reasons: dict[str, int] = {}
        for d in mine:
            if d.verdict == "dismissed":
                reasons[d.reason] = reasons.get(d.reason, 0) + 1
        counted = [d for d in mine if d.reason not in NOT_COUNTED_FOR_PRECISION]
        windows = [_window(counted, days, now) for days in sorted(set(cfg.precision_windows))]
        gate = _window(counted, cfg.floor_window_days, now)
        floor = cfg.rule_floors.get(rule, cfg.precision_floor)
        n = gate.confirmed + gate.dismissed
        below = gate.precision is not None and n >= cfg.precision_min_decisions
        below = below and (gate.precision or 0.0) < floor
        out.append(
            RuleHealth(
                rule=rule,
                rule_version=version,
                decisions=len(mine),
                open_flags=opened.get((rule, version), 0),
                windows=windows,
                dismissal_reasons=dict(sorted(reasons.items())),
                floor=floor,
                needs_review=below,
                review_reason=(
                    f"precision {gate.precision:.2f} over {n} decisions in the last "
                    f"{cfg.floor_window_days} days is below the floor {floor:.2f}"
                    if below
                    else None
                ),
            )
        )
    return out


def _window(decisions: Sequence[ReviewDecision], days: int, now: datetime) -> WindowPrecision:
    since = now - timedelta(days=days)
    inside = [d for d in decisions if since <= d.decided_at <= now]
    confirmed = sum(d.verdict == "confirmed" for d in inside)
    dismissed = len(inside) - confirmed
    waits = [(d.decided_at - d.received_at).total_seconds() / 86400 for d in inside]
    return WindowPrecision(
        days=days,
        confirmed=confirmed,
        dismissed=dismissed,
        precision=confirmed / len(inside) if inside else None,
        median_days_to_decision=round(statistics.median(waits), 3) if waits else None,
    )


def load_decisions(session: Session) -> list[ReviewDecision]:
    """Every dismissal, and the latest outcome of every case applied to each of its flags."""
    out: list[ReviewDecision] = []
    latest: dict[int, CaseOutcome] = {}
    for o in session.scalars(select(CaseOutcome).order_by(CaseOutcome.id)):
        latest[o.case_id] = o
    for f in session.scalars(select(ReviewFlag).where(ReviewFlag.tier == "tertiary")):
        if f.status == "dismissed" and f.dismissed_at is not None:
            out.append(
                ReviewDecision(
                    rule=f.rule,
                    rule_version=f.rule_version,
                    received_at=f.received_at,
                    decided_at=f.dismissed_at,
                    verdict="dismissed",
                    reason=f.dismissed_reason or "unspecified",
                )
            )
        elif f.case_id is not None and f.case_id in latest:
            o = latest[f.case_id]
            out.append(
                ReviewDecision(
                    rule=f.rule,
                    rule_version=f.rule_version,
                    received_at=f.received_at,
                    decided_at=o.decided_at,
                    verdict="confirmed" if o.confirms else "dismissed",
                    reason=o.outcome,
                )
            )
    for d, flags in disposed_decisions(session):  # closed cases disposed under retention
        out.extend(
            ReviewDecision(
                rule=str(f["rule"]),
                rule_version=int(str(f["version"])),
                received_at=datetime.fromisoformat(str(f["received_at"])),
                decided_at=d.closed_at,
                verdict="confirmed" if d.confirms else "dismissed",
                reason=d.outcome,
            )
            for f in flags
            if f.get("tier", "tertiary") == "tertiary"
        )
    return out


def rule_health(
    session: Session,
    *,
    user: User,
    now: datetime | None = None,
    settings: CasesSettings | None = None,
) -> list[RuleHealth]:
    """The rule-health view: precision per rule and version, and which need review."""
    decision = require(session, user, "rules.read")
    opened: dict[tuple[str, int], int] = {}
    for f in session.scalars(
        select(ReviewFlag).where(ReviewFlag.tier == "tertiary", ReviewFlag.status == "open")
    ):
        opened[(f.rule, f.rule_version)] = opened.get((f.rule, f.rule_version), 0) + 1
    health = compute_health(
        load_decisions(session), now=now or utcnow(), settings=settings, open_flags=opened
    )
    record_access(
        session,
        user,
        decision,
        returned=[h.model_dump(mode="json") for h in health],
        object_type="rule_health",
    )
    return health
