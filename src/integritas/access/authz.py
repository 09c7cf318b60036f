"""The one permission check. Deny by default; every denial is an audit event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import ACTIONS
from integritas.access.models import PurposeGrant, TeamMember, User
from integritas.access.roles import Scope, roles
from integritas.audit.service import append
from integritas.store.base import utcnow

# (session, user, case_ref) -> is this case assigned to this user? Registered by `cases`.
AssignmentCheck = Callable[[Session, User, str], bool]
_assignment_checks: list[AssignmentCheck] = []


def register_assignment_check(check: AssignmentCheck) -> None:
    """The cases package tells access how to know whether a case is assigned to a user."""
    if check not in _assignment_checks:
        _assignment_checks.append(check)


class Decision(BaseModel):
    allowed: bool
    action: str
    reason: str
    grant_id: int | None = None
    purpose: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


class PermissionDenied(PermissionError):
    def __init__(self, decision: Decision) -> None:
        super().__init__(f"{decision.action}: {decision.reason}")
        self.decision = decision


def authorize(
    session: Session,
    user: User | None,
    action: str,
    *,
    person_id: str | None = None,
    case_ref: str | None = None,
    purpose: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """May ``user`` do ``action`` (to ``person_id`` / on ``case_ref`` / for ``purpose``)?

    Denials are appended to the audit log in the caller's transaction; allowed reads are
    logged by the caller with what they showed (``record_access``).
    """
    decision = _decide(session, user, action, person_id, case_ref, purpose, now or utcnow())
    if not decision.allowed:
        append(
            session,
            actor=user.username if user else "anonymous",
            role=user.role if user else "",
            action=action if action in ACTIONS else "access.unknown_action",
            outcome="denied",
            object_type="person" if person_id else ("case" if case_ref else ""),
            object_id=person_id or case_ref or "",
            purpose=purpose or "",
            subjects=[person_id] if person_id else [],
            detail=decision.reason if action in ACTIONS else f"{action}: {decision.reason}",
        )
    return decision


def require(session: Session, user: User | None, action: str, **kwargs: object) -> Decision:
    """``authorize`` that raises ``PermissionDenied`` on a denial."""
    decision = authorize(session, user, action, **kwargs)  # type: ignore[arg-type]
    if not decision.allowed:
        raise PermissionDenied(decision)
    return decision


def record_access(
    session: Session,
    user: User,
    decision: Decision,
    *,
    subjects: Sequence[str] = (),
    returned: object = None,
    object_type: str = "",
    object_id: str = "",
) -> None:
    """Log an allowed read or write with the pseudonyms shown and a digest of what was returned."""
    if not decision.allowed:
        raise PermissionDenied(decision)
    append(
        session,
        actor=user.username,
        role=user.role,
        action=decision.action,
        outcome="allowed",
        object_type=object_type,
        object_id=object_id,
        purpose=decision.purpose or "",
        grant_id=decision.grant_id,
        subjects=subjects,
        returned=returned,
    )


def _decide(
    session: Session,
    user: User | None,
    action: str,
    person_id: str | None,
    case_ref: str | None,
    purpose: str | None,
    now: datetime,
) -> Decision:
    def deny(reason: str) -> Decision:
        return Decision(allowed=False, action=action, reason=reason, purpose=purpose)

    if user is None or not user.active:
        return deny("no active user")
    spec = ACTIONS.get(action)
    if spec is None:
        return deny("undeclared action")
    role = roles().get(user.role)
    if role is None or action not in role.may:
        return deny(f"role {user.role} may not {action}")
    if spec.needs_person and not person_id:
        return deny("the person concerned must be named")
    scope_reason = _scope_denial(session, user, role.may[action], person_id, case_ref)
    if scope_reason:
        return deny(scope_reason)
    if spec.needs_grant:
        grant = live_grant(session, user, person_id or "", purpose=purpose, now=now)
        if grant is None:
            return deny(f"no live purpose grant for {person_id}")
        return Decision(
            allowed=True, action=action, reason="grant", grant_id=grant.id, purpose=grant.purpose
        )
    return Decision(allowed=True, action=action, reason=f"role {user.role}", purpose=purpose)


def _scope_denial(
    session: Session, user: User, scope: Scope, person_id: str | None, case_ref: str | None
) -> str | None:
    if scope == "any":
        return None
    if scope == "self":
        ok = bool(user.person_id) and person_id == user.person_id
        return None if ok else "only one's own data"
    if scope == "team":
        if not user.person_id or not person_id:
            return "not in the user's team"
        hit = session.get(TeamMember, (user.person_id, person_id))
        return None if hit is not None else "not in the user's team"
    # assigned
    if not case_ref:
        return "the case must be named"
    if any(check(session, user, case_ref) for check in _assignment_checks):
        return None
    return f"case {case_ref} is not assigned to {user.username}"


def live_grant(
    session: Session,
    user: User,
    person_id: str,
    *,
    purpose: str | None = None,
    now: datetime | None = None,
) -> PurposeGrant | None:
    at = now or utcnow()
    q = select(PurposeGrant).where(
        PurposeGrant.user_id == user.id,
        PurposeGrant.person_id == person_id,
        PurposeGrant.revoked_at.is_(None),
        PurposeGrant.expires_at > at,
    )
    if purpose:
        q = q.where(PurposeGrant.purpose == purpose)
    return session.scalars(q.order_by(PurposeGrant.expires_at.desc())).first()
