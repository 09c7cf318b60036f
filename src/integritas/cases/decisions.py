"""The subject's account, outcomes and appeals.

An outcome is a human decision with written reasons, by someone allowed ``case.outcome`` who has
opened the evidence of this case. An adverse outcome also needs the subject's account: the
person was told and either responded or let the deadline pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.models import User
from integritas.cases.events import (
    ACCOUNT_RECORDED,
    APPEAL_DECIDED,
    APPEAL_LODGED,
    CASE_RESTRICTED,
    OUTCOME_RECORDED,
    SUBJECT_NOTIFIED,
)
from integritas.cases.models import CaseEvent, CaseNote, CaseOutcome
from integritas.cases.outcomes import outcome as lookup_outcome
from integritas.cases.queue import CaseError
from integritas.cases.schemas import OutcomeView
from integritas.cases.service import add_event, appeal_pending, audit, load_case, require_case
from integritas.cases.settings import CasesSettings
from integritas.store.base import utcnow


def notify_subject(
    session: Session,
    *,
    user: User,
    ref: str,
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> datetime:
    """Record that the subject was told of the case; returns the deadline to respond by."""
    at = now or utcnow()
    c = load_case(session, ref)
    due = deadline or at + timedelta(days=CasesSettings().response_days)
    if due <= at:
        raise CaseError("the response deadline must be in the future")
    require_case(session, user, "case.work", c)
    c.notified_at, c.response_deadline = at, due
    c.account_status, c.account_recorded_at = None, None
    session.flush()
    add_event(session, c, user, "subject_notified", f"respond by {due:%Y-%m-%d %H:%M}")
    audit(session, user, SUBJECT_NOTIFIED, c, f"deadline {due.isoformat()}")
    return due


def record_account(
    session: Session,
    *,
    user: User,
    ref: str,
    response: str | None = None,
    deadline_passed: bool = False,
    now: datetime | None = None,
) -> str:
    """Record the subject's response (kept verbatim as a note) or that the deadline passed."""
    at = now or utcnow()
    c = load_case(session, ref)
    if c.notified_at is None or c.response_deadline is None:
        raise CaseError(f"case {ref}: the subject has not been notified yet")
    if (response is None or not response.strip()) == (not deadline_passed):
        raise CaseError("give either the subject's response or that the deadline passed")
    if deadline_passed and at < c.response_deadline:
        raise CaseError(
            f"case {ref}: the deadline ({c.response_deadline:%Y-%m-%d %H:%M}) has not passed"
        )
    require_case(session, user, "case.work", c)
    status = "deadline_passed" if deadline_passed else "responded"
    if response:
        session.add(CaseNote(case_id=c.id, author_id=user.id, at=at, text=response, kind="account"))
    c.account_status, c.account_recorded_at = status, at
    session.flush()
    add_event(session, c, user, "account_recorded", status)
    audit(session, user, ACCOUNT_RECORDED, c, status)
    return status


def opened_evidence(session: Session, case_id: int, user: User) -> bool:
    hit = session.scalar(
        select(CaseEvent.id).where(
            CaseEvent.case_id == case_id,
            CaseEvent.kind == "evidence_viewed",
            CaseEvent.actor_id == user.id,
        )
    )
    return hit is not None


def decide_outcome(
    session: Session, *, user: User, ref: str, outcome: str, reasons: str
) -> OutcomeView:
    """Record the outcome; refused (nothing stored) unless every precondition holds."""
    try:
        spec = lookup_outcome(outcome)
    except KeyError as exc:
        raise CaseError(str(exc.args[0])) from None
    c = load_case(session, ref)
    require_case(session, user, "case.outcome", c)
    problems = []
    if not reasons.strip():
        problems.append("written reasons are required")
    if c.status == "decided":
        problems.append(f"case {ref} already has an outcome (an allowed appeal reopens it)")
    if not opened_evidence(session, c.id, user):
        problems.append(f"{user.username} has not opened the evidence of case {ref}")
    if spec.adverse and c.account_status is None:
        problems.append(
            f"'{spec.label_for(c.staff_type)}' is adverse: record the subject's account first "
            "(their response, or that the deadline passed)"
        )
    if problems:
        raise CaseError(f"case {ref}: " + "; ".join(problems))
    label = spec.label_for(c.staff_type)
    row = CaseOutcome(
        case_id=c.id,
        outcome=spec.code,
        label=label,
        reasons=reasons,
        decided_by=user.id,
        decided_at=utcnow(),
        adverse=spec.adverse,
        confirms=spec.confirms,
    )
    session.add(row)
    c.status = "decided"
    session.flush()
    add_event(session, c, user, "outcome", f"{label}: {reasons}")
    audit(session, user, OUTCOME_RECORDED, c, spec.code)
    if spec.restricts and not c.restricted:
        c.restricted = True
        session.flush()
        add_event(session, c, user, "restricted", "moved to the restricted area")
        audit(session, user, CASE_RESTRICTED, c, "criminal referral")
    return OutcomeView(
        id=row.id,
        outcome=row.outcome,
        label=label,
        reasons=reasons,
        decided_by=user.username,
        decided_at=row.decided_at,
        adverse=row.adverse,
    )


def lodge_appeal(session: Session, *, user: User, ref: str, grounds: str) -> None:
    """Record the subject's appeal against the case's outcome (a case event)."""
    c = load_case(session, ref)
    if not grounds.strip():
        raise CaseError("the grounds of appeal are empty")
    if c.status != "decided":
        raise CaseError(f"case {ref} has no outcome to appeal")
    if appeal_pending(session, c):
        raise CaseError(f"case {ref} already has an appeal pending")
    require_case(session, user, "case.outcome", c)
    add_event(session, c, user, "appeal_lodged", grounds)
    audit(session, user, APPEAL_LODGED, c, grounds)


def decide_appeal(
    session: Session,
    *,
    user: User,
    ref: str,
    result: Literal["allowed", "dismissed"],
    reasons: str,
) -> None:
    """Decide a pending appeal. ``allowed`` sets the outcome aside and reopens the case for a
    new decision; ``dismissed`` lets it stand. The original decider cannot decide the appeal."""
    c = load_case(session, ref)
    if result not in ("allowed", "dismissed"):
        raise CaseError(f"appeal result must be allowed or dismissed, not {result!r}")
    if not reasons.strip():
        raise CaseError("written reasons are required")
    if not appeal_pending(session, c):
        raise CaseError(f"case {ref} has no appeal pending")
    require_case(session, user, "case.outcome", c)
    last = session.scalars(
        select(CaseOutcome).where(CaseOutcome.case_id == c.id).order_by(CaseOutcome.id.desc())
    ).first()
    if last is not None and last.decided_by == user.id:
        raise CaseError("an appeal is decided by someone other than the original decider")
    if not opened_evidence(session, c.id, user):
        raise CaseError(f"{user.username} has not opened the evidence of case {ref}")
    if result == "allowed":
        c.status = "open"
        session.flush()
    add_event(session, c, user, "appeal_decided", f"{result}: {reasons}")
    audit(session, user, APPEAL_DECIDED, c, result)
