"""Cases: list, case page (timeline, notes, unmask, subject's account, outcome, letters) and
the unmask approvals queue. Every action is a ``cases``/``access`` service call; the JSON
versions come from ``integritas.cases.api`` (mounted under ``/api``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import CASE_READ, UNMASK_APPROVE
from integritas.access.authz import live_grant
from integritas.access.identity import Identity
from integritas.access.models import User
from integritas.access.unmask import (
    UnmaskView,
    decide_unmask,
    pending_requests,
    request_unmask,
    reveal_identity,
)
from integritas.cases import decisions, evidence, letters, service
from integritas.cases.outcomes import outcomes
from integritas.web.deps import NavItem, app_state, check, current_user, db, may, render
from integritas.web.routes.triage import peers_chart

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["unmasking"])
NAV = [
    NavItem("Cases", "/cases", (CASE_READ.name,), order=30),
    NavItem("Unmask requests", "/unmask", (UNMASK_APPROVE.name,), order=35),
]


def _back(ref: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(ref)}{anchor}", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    return render(request, "cases.html", {"cases": service.list_cases(session, user=user)})


def _case_page(
    request: Request, session: Session, user: User, ref: str, **extra: object
) -> Response:
    case = service.get_case(session, user=user, ref=ref)
    grant = live_grant(session, user, case.person_id)
    mine = [r for r in pending_requests(session) if r.case_ref == ref]
    ctx = {
        "c": case,
        "charts": [peers_chart(f) for f in case.flags],
        "has_grant": grant is not None,
        "pending_unmask": mine,
        "may_work": may(user, "case.work"),
        "may_unmask": may(user, "unmask.request"),
        "may_decide": may(user, "case.outcome"),
        "outcomes": list(outcomes().values()),
        "letter_kinds": ["subject_notification", "early_intervention"],
        "identity": None,
        "evidence": None,
    }
    ctx.update(extra)
    return render(request, "case.html", ctx)


@router.get("/cases/{ref}", response_class=HTMLResponse)
def case_page(
    request: Request, ref: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    return _case_page(request, session, user, ref)


@router.get("/cases/{ref}/evidence", response_class=HTMLResponse)
def evidence_page(
    request: Request, ref: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    rows = evidence.view_evidence(session, user=user, ref=ref, ws=app_state(request).ws)
    return _case_page(request, session, user, ref, evidence=rows)


@router.post("/cases/{ref}/identity", response_class=HTMLResponse)
def identity_form(
    request: Request, ref: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    case = service.load_case(session, ref)
    service.require_case(session, user, "case.read", case)
    ident = reveal_identity(session, app_state(request).ws, user=user, person_id=case.person_id)
    # Rendered in the response, never put in a URL or cached.
    return _case_page(request, session, user, ref, identity=ident)


@router.post("/cases/{ref}/notes")
def note_form(
    ref: str,
    text: str = Form(...),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    service.add_note(session, user=user, ref=ref, text=text)
    return _back(ref, "#notes")


@router.post("/cases/{ref}/unmask")
def unmask_form(
    ref: str,
    justification: str = Form(...),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    case = service.load_case(session, ref)
    request_unmask(
        session, user=user, person_id=case.person_id, case_ref=ref, justification=justification
    )
    return _back(ref, "#unmask")


@router.post("/cases/{ref}/notify")
def notify_form(
    ref: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    decisions.notify_subject(session, user=user, ref=ref)
    return _back(ref, "#account")


@router.post("/cases/{ref}/account")
def account_form(
    ref: str,
    response: str = Form(""),
    deadline_passed: bool = Form(False),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    decisions.record_account(
        session,
        user=user,
        ref=ref,
        response=response or None,
        deadline_passed=deadline_passed,
    )
    return _back(ref, "#account")


@router.post("/cases/{ref}/outcome")
def outcome_form(
    ref: str,
    outcome: str = Form(...),
    reasons: str = Form(""),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    decisions.decide_outcome(session, user=user, ref=ref, outcome=outcome, reasons=reasons)
    return _back(ref, "#outcome")


@router.get("/cases/{ref}/letters/{kind}")
def letter_pdf(
    ref: str,
    kind: letters.LetterKind,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    data = letters.generate_letter_pdf(session, user=user, ref=ref, kind=kind)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{ref}-{kind}.pdf"'},
    )


@router.get("/unmask", response_class=HTMLResponse)
def unmask_queue(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    check(session, user, UNMASK_APPROVE.name)
    names = {uid: name for uid, name in session.execute(select(User.id, User.username))}
    return render(
        request,
        "unmask.html",
        {"requests": pending_requests(session), "names": names, "me": user.id},
    )


@router.post("/unmask/{request_id}")
def unmask_decision(
    request_id: int,
    decision: str = Form(...),
    reason: str = Form(""),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    decide_unmask(
        session, approver=user, request_id=request_id, approve=decision == "approve", reason=reason
    )
    return RedirectResponse("/unmask", status_code=303)


class UnmaskIn(BaseModel):
    case_ref: str
    justification: str = Field(min_length=1)


class UnmaskDecisionIn(BaseModel):
    approve: bool
    reason: str = ""


@api.get("/unmask/requests")
def unmask_requests_json(
    session: Session = Depends(db), user: User = Depends(current_user)
) -> list[UnmaskView]:
    """Pending unmask requests (for those who may approve them)."""
    check(session, user, UNMASK_APPROVE.name)
    return pending_requests(session)


@api.post("/unmask/requests", status_code=201)
def unmask_request_json(
    body: UnmaskIn, session: Session = Depends(db), user: User = Depends(current_user)
) -> UnmaskView:
    """Ask for the person behind a case's pseudonym; a second person must approve."""
    case = service.load_case(session, body.case_ref)
    return request_unmask(
        session,
        user=user,
        person_id=case.person_id,
        case_ref=body.case_ref,
        justification=body.justification,
    )


@api.post("/unmask/requests/{request_id}/decision")
def unmask_decision_json(
    request_id: int,
    body: UnmaskDecisionIn,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> UnmaskView:
    """Approve (issuing the requester a purpose grant) or refuse; never one's own request."""
    return decide_unmask(
        session, approver=user, request_id=request_id, approve=body.approve, reason=body.reason
    )


@api.post("/cases/{ref}/identity")
def identity_json(
    request: Request, ref: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> Identity:
    """The staff number and name behind the case's pseudonym (needs a live grant; logged)."""
    case = service.load_case(session, ref)
    service.require_case(session, user, "case.read", case)
    return reveal_identity(session, app_state(request).ws, user=user, person_id=case.person_id)
