"""Unmasking a pseudonym for a tertiary case: requested by one person, approved by another.

Approval issues the requester a purpose grant; the identity itself is read through
``reveal_identity``, which is audited with the person shown.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.authz import Decision, PermissionDenied, record_access, require
from integritas.access.grants import _issue
from integritas.access.identity import Identity, lookup_identity
from integritas.access.models import UnmaskRequest, User
from integritas.access.users import AccessError
from integritas.audit.events import UNMASK_DECIDED, UNMASK_PERFORMED, UNMASK_REQUESTED
from integritas.audit.service import append
from integritas.settings import Workspace
from integritas.store.base import utcnow

UNMASK_PURPOSE = "misconduct_investigation"


class UnmaskView(BaseModel):
    id: int
    requester_id: int
    person_id: str
    case_ref: str
    tier: str
    justification: str
    status: str
    decided_by: int | None
    grant_id: int | None
    created_at: datetime


def _view(r: UnmaskRequest) -> UnmaskView:
    return UnmaskView.model_validate(r, from_attributes=True)


def request_unmask(
    session: Session,
    *,
    user: User,
    person_id: str,
    case_ref: str,
    justification: str,
    tier: str = "tertiary",
) -> UnmaskView:
    if tier != "tertiary":
        raise AccessError(
            "only tertiary (possible misconduct) cases unmask; "
            "welfare goes to the line manager, primary has no individuals"
        )
    if not justification.strip():
        raise AccessError("justification is empty")
    require(session, user, "unmask.request", person_id=person_id, case_ref=case_ref)
    req = UnmaskRequest(
        requester_id=user.id,
        person_id=person_id,
        case_ref=case_ref,
        tier=tier,
        justification=justification,
        status="pending",
        created_at=utcnow(),
    )
    session.add(req)
    session.flush()
    append(
        session,
        actor=user.username,
        role=user.role,
        action=UNMASK_REQUESTED.name,
        object_type="unmask_request",
        object_id=str(req.id),
        subjects=[person_id],
        detail=f"case {case_ref}: {justification}",
    )
    return _view(req)


def decide_unmask(
    session: Session,
    *,
    approver: User,
    request_id: int,
    approve: bool,
    reason: str = "",
    expires_at: datetime | None = None,
) -> UnmaskView:
    """Four eyes: the approver holds ``unmask.approve`` and is not the requester."""
    req = session.get(UnmaskRequest, request_id)
    if req is None:
        raise AccessError(f"no unmask request {request_id}")
    if req.status != "pending":
        raise AccessError(f"unmask request {request_id} is already {req.status}")
    if approver.id == req.requester_id:
        append(
            session,
            actor=approver.username,
            role=approver.role,
            action="unmask.approve",
            outcome="denied",
            object_type="unmask_request",
            object_id=str(request_id),
            subjects=[req.person_id],
            detail="requester cannot approve their own request",
        )
        # A refusal, not a bad request: callers commit it so the audit event above stays.
        raise PermissionDenied(
            Decision(
                allowed=False,
                action="unmask.approve",
                reason="four eyes: the requester cannot approve their own request",
            )
        )
    require(session, approver, "unmask.approve", person_id=req.person_id)
    req.status = "approved" if approve else "refused"
    req.decided_by, req.decided_at = approver.id, utcnow()
    if approve:
        requester = session.get(User, req.requester_id)
        assert requester is not None
        grant = _issue(
            session,
            grantee=requester,
            granted_by=approver,
            person_id=req.person_id,
            purpose=UNMASK_PURPOSE,
            case_ref=req.case_ref,
            justification=req.justification,
            expires_at=expires_at,
        )
        req.grant_id = grant.id
    append(
        session,
        actor=approver.username,
        role=approver.role,
        action=UNMASK_DECIDED.name,
        object_type="unmask_request",
        object_id=str(request_id),
        subjects=[req.person_id],
        grant_id=req.grant_id,
        detail=f"{req.status}: {reason}",
    )
    session.flush()
    return _view(req)


def pending_requests(session: Session) -> list[UnmaskView]:
    q = select(UnmaskRequest).where(UnmaskRequest.status == "pending").order_by(UnmaskRequest.id)
    return [_view(r) for r in session.scalars(q)]


def unmask_log(session: Session) -> list[UnmaskView]:
    """Every unmask request and decision, for the DPO's governance view."""
    return [_view(r) for r in session.scalars(select(UnmaskRequest).order_by(UnmaskRequest.id))]


def reveal_identity(
    session: Session, ws: Workspace, *, user: User, person_id: str, purpose: str | None = None
) -> Identity:
    """Staff number and name behind ``person_id``, under a live grant; audited either way."""
    decision = require(session, user, "identity.read", person_id=person_id, purpose=purpose)
    ident = lookup_identity(ws, person_id)
    record_access(
        session,
        user,
        decision,
        subjects=[person_id],
        object_type="person",
        object_id=person_id,
        returned=ident.model_dump(mode="json"),
    )
    append(
        session,
        actor=user.username,
        role=user.role,
        action=UNMASK_PERFORMED.name,
        outcome="allowed",
        object_type="person",
        object_id=person_id,
        purpose=decision.purpose or "",
        grant_id=decision.grant_id,
        subjects=[person_id],
    )
    return ident


class UnmaskRegisterEntry(BaseModel):
    """One unmask request as the DPO sees it: who asked, why, who decided, when it was used."""

    request_id: int
    requester: str
    person_id: str
    case_ref: str
    justification: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    grant_id: int | None
    revealed_at: list[str]


def unmask_register(session: Session, *, user: User) -> list[UnmaskRegisterEntry]:
    """Every unmask request, decision and identity reveal, for the DPO's governance view.

    Needs ``governance.read``; the listing itself is audited with every pseudonym shown.
    """
    from integritas.audit.models import AuditEvent

    decision = require(session, user, "governance.read")
    names = {u.id: u.username for u in session.scalars(select(User))}
    reveals: dict[str, list[str]] = {}
    q = select(AuditEvent.grant_id, AuditEvent.at).where(AuditEvent.action == UNMASK_PERFORMED.name)
    for grant_id, at in session.execute(q.order_by(AuditEvent.seq)):
        reveals.setdefault(grant_id, []).append(at)
    out = [
        UnmaskRegisterEntry(
            request_id=r.id,
            requester=names.get(r.requester_id, "?"),
            person_id=r.person_id,
            case_ref=r.case_ref,
            justification=r.justification,
            status=r.status,
            decided_by=names.get(r.decided_by) if r.decided_by else None,
            decided_at=r.decided_at,
            grant_id=r.grant_id,
            revealed_at=reveals.get(str(r.grant_id), []) if r.grant_id else [],
        )
        for r in session.scalars(select(UnmaskRequest).order_by(UnmaskRequest.id))
    ]
    record_access(
        session,
        user,
        decision,
        subjects=sorted({e.person_id for e in out}),
        returned=[e.model_dump(mode="json") for e in out],
        object_type="unmask_register",
    )
    return out
