"""Clerical review: the queue of candidates to decide, and recording a decision (audited)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from integritas.linkage.candidates import Candidate, get_candidate, load_candidates
from integritas.linkage.engine import DEFAULT_THRESHOLD
from integritas.linkage.models import ReviewDecision
from integritas.settings import Workspace

AUDIT_ACTION = "linkage.review"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ReviewError(ValueError):
    """A decision that cannot be recorded, with every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def latest_decisions(*, session: Any) -> dict[str, ReviewDecision]:
    """Candidate id -> its most recent decision."""
    rows = session.scalars(
        select(ReviewDecision).order_by(ReviewDecision.decided_at, ReviewDecision.id)
    )
    return {row.candidate_id: row for row in rows}


def review_queue(
    ws: Workspace, *, session: Any, threshold: float = DEFAULT_THRESHOLD
) -> list[Candidate]:
    """Undecided candidates at or above the review threshold, most probable first."""
    decided = latest_decisions(session=session)
    pending = [
        c for c in load_candidates(ws, min_probability=threshold) if c.candidate_id not in decided
    ]
    return sorted(pending, key=lambda c: (-c.match_probability, c.candidate_id))


def decide(
    ws: Workspace,
    *,
    session: Any,
    candidate_id: str,
    decision: Decision | str,
    reason: str,
    actor: str,
    role: str,
    export: bool = True,
) -> ReviewDecision:
    """Record a reviewer's decision and its audit event in the caller's transaction.

    The caller has already checked the ``linkage.review`` permission (``access.authz.require``).
    With ``export`` (the default) ``derived/linkage_accepted.parquet`` is rewritten at once
    from the session's view of the decisions; ``integritas link export`` rebuilds it.
    """
    problems = []
    try:
        decision = Decision(decision)
    except ValueError:
        problems.append(f"decision {decision!r} must be one of: accepted, rejected")
    if not reason or not reason.strip():
        problems.append("a reason is required")
    if not actor.strip():
        problems.append("the reviewer must be named")
    candidate: Candidate | None = None
    try:
        candidate = get_candidate(ws, candidate_id)
    except LookupError as exc:
        problems.append(str(exc))
    if problems or candidate is None:
        raise ReviewError(problems)
    row = ReviewDecision(
        candidate_id=candidate.candidate_id,
        registry_name=candidate.registry,
        person_id=candidate.person_id,
        record_id=candidate.record_id,
        run_id=candidate.run_id,
        match_probability=candidate.match_probability,
        decision=str(decision),
        reason=reason.strip(),
        reviewer=actor,
        reviewer_role=role,
        decided_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    _audit(session, actor=actor, role=role, candidate=candidate, row=row)
    if export:
        from integritas.linkage.accepted import export_accepted

        export_accepted(ws, session)
    return row


def record_read(
    session: Any, *, actor: str, role: str, candidates: list[Candidate], what: str
) -> None:
    """Audit a read of candidates (queue listing or one candidate shown): every pseudonym
    shown is a subject, and the digest covers the candidate ids and probabilities."""
    from integritas.audit.service import append

    append(
        session,
        actor=actor,
        role=role,
        action=AUDIT_ACTION,
        outcome="allowed",
        object_type="linkage_candidate",
        object_id=candidates[0].candidate_id if len(candidates) == 1 else "",
        subjects=sorted({c.person_id for c in candidates}),
        returned=[[c.candidate_id, round(c.match_probability, 6)] for c in candidates],
        detail=json.dumps({"read": what, "count": len(candidates)}),
    )


def _audit(session: Any, *, actor: str, role: str, candidate: Candidate, row: Any) -> None:
    """The ``linkage.review`` audit event (declared by ``integritas.access.actions``)."""
    from integritas.audit.service import append

    append(
        session,
        actor=actor,
        role=role,
        action=AUDIT_ACTION,
        object_type="linkage_candidate",
        object_id=candidate.candidate_id,
        subjects=[candidate.person_id],
        detail=json.dumps(
            {
                "decision": row.decision,
                "reason": row.reason,
                "registry": candidate.registry,
                "record_id": candidate.record_id,
                "run_id": candidate.run_id,
                "match_probability": round(candidate.match_probability, 6),
            },
            sort_keys=True,
        ),
    )
