"""Governance: the audit log viewer with the chain's verification status.

Reading needs ``audit.read``; verifying (walking every hash and signed checkpoint) needs
``audit.verify`` and is itself an audit event. Retention, DPIA and sign-off pages join this
group as their packages land.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integritas.access.actions import AUDIT_READ, AUDIT_VERIFY, GOVERNANCE_READ
from integritas.access.authz import Decision, record_access
from integritas.access.models import User
from integritas.audit.models import AuditEvent
from integritas.audit.verify import EventRecord, Finding, verify
from integritas.web.deps import (
    NavItem,
    app_state,
    check,
    current_user,
    db,
    guard,
    may,
    render,
)

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["governance"])
NAV = [NavItem("Governance", "/governance/audit", (AUDIT_READ.name, GOVERNANCE_READ.name), 70)]
PAGE_SIZE = 50


class ChainStatus(BaseModel):
    verified_at: str
    verified_by: str
    events: int
    checkpoints: int
    ok: bool
    first_problem: Finding | None
    findings: int


class AuditPage(BaseModel):
    events: list[EventRecord]
    total: int
    page: int
    pages: int
    action: str
    actor: str
    outcome: str
    chain: ChainStatus | None  # the last verification run by this server, if any


def audit_page(
    session: Session,
    *,
    page: int = 1,
    action: str = "",
    actor: str = "",
    outcome: str = "",
    chain: ChainStatus | None = None,
) -> AuditPage:
    q = select(AuditEvent)
    if action:
        q = q.where(AuditEvent.action == action)
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if outcome:
        q = q.where(AuditEvent.outcome == outcome)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        q.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AuditPage(
        events=[EventRecord.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        page=page,
        pages=pages,
        action=action,
        actor=actor,
        outcome=outcome,
        chain=chain,
    )


def verify_chain(request: Request, session: Session, user: User) -> ChainStatus:
    from integritas.audit.keys import load_or_create_key

    decision = check(session, user, AUDIT_VERIFY.name)
    report = verify(session, key=load_or_create_key(app_state(request).ws))
    status = ChainStatus(
        verified_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        verified_by=user.username,
        events=report.events,
        checkpoints=report.checkpoints,
        ok=report.ok,
        first_problem=report.first,
        findings=len(report.findings),
    )
    record_access(
        session,
        user,
        decision,
        object_type="audit_chain",
        object_id=f"1..{report.events}",
        returned=status.model_dump(exclude={"verified_at"}),
    )
    app_state(request).memo["chain_status"] = status
    return status


def _last_status(request: Request) -> ChainStatus | None:
    status: ChainStatus | None = app_state(request).memo.get("chain_status")
    return status


@router.get("/governance/audit", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    page: int = 1,
    action: str = "",
    actor: str = "",
    outcome: str = "",
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    check(session, user, AUDIT_READ.name)
    view = audit_page(
        session,
        page=page,
        action=action,
        actor=actor,
        outcome=outcome,
        chain=_last_status(request),
    )
    from integritas.audit.events import event_types

    may_verify = may(user, AUDIT_VERIFY.name)
    return render(
        request,
        "audit.html",
        {"view": view, "actions": sorted(event_types()), "may_verify": may_verify},
    )


@router.post("/governance/audit/verify")
def audit_verify_form(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    verify_chain(request, session, user)
    return RedirectResponse("/governance/audit#chain", status_code=303)


@api.get("/audit/events")
def audit_events_json(
    request: Request,
    page: int = 1,
    action: str = "",
    actor: str = "",
    outcome: str = "",
    session: Session = Depends(db),
    _: Decision = guard(AUDIT_READ.name),
) -> AuditPage:
    """One page (newest first) of the audit log, filtered by action, actor and outcome."""
    return audit_page(
        session, page=page, action=action, actor=actor, outcome=outcome, chain=_last_status(request)
    )


@api.post("/audit/verify")
def audit_verify_json(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> ChainStatus:
    """Walk the whole chain and its signed checkpoints; report the first problem found."""
    return verify_chain(request, session, user)
