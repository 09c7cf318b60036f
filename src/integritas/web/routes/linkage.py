"""Clerical review of linkage candidates (``linkage.review``): the queue, one pair with its
per-field explanation and waterfall chart, and the accept/reject decision with a reason.

Pairs are pseudonymised (person pseudonym against a registry record id); every read is an
audit event naming the pseudonyms shown, and every decision is recorded and audited by
``integritas.linkage.review``. Only an accepted pair that is not declared can feed a rule.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import LINKAGE_REVIEW
from integritas.access.models import User
from integritas.linkage.candidates import Candidate, CandidateNotFound, get_candidate
from integritas.linkage.engine import DEFAULT_THRESHOLD
from integritas.linkage.models import ReviewDecision
from integritas.linkage.review import ReviewError, decide, record_read, review_queue
from integritas.web.deps import NavItem, app_state, check, current_user, db, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["linkage"])
NAV = [NavItem("Linkage review", "/linkage", (LINKAGE_REVIEW.name,), order=25)]
PAGE_SIZE = 50


class PairView(BaseModel):
    candidate_id: str
    registry: str
    person_id: str
    record_id: str
    organisation_name: str | None
    role: str | None
    match_weight: float
    match_probability: float
    explanation: str


class DecisionView(BaseModel):
    decision: str
    reason: str
    reviewer: str
    decided_at: str


def pair_view(c: Candidate) -> PairView:
    return PairView(
        candidate_id=c.candidate_id,
        registry=c.registry,
        person_id=c.person_id,
        record_id=c.record_id,
        organisation_name=c.organisation_name,
        role=c.role,
        match_weight=c.match_weight,
        match_probability=c.match_probability,
        explanation=c.explanation,
    )


def _queue(
    request: Request, session: Session, user: User, page: int
) -> tuple[list[Candidate], int]:
    check(session, user, LINKAGE_REVIEW.name)
    pending = review_queue(app_state(request).ws, session=session, threshold=DEFAULT_THRESHOLD)
    shown = pending[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    if shown:
        record_read(session, actor=user.username, role=user.role, candidates=shown, what="queue")
    return shown, len(pending)


def _candidate(request: Request, session: Session, user: User, candidate_id: str) -> Candidate:
    check(session, user, LINKAGE_REVIEW.name)
    try:
        cand = get_candidate(app_state(request).ws, candidate_id)
    except CandidateNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    record_read(session, actor=user.username, role=user.role, candidates=[cand], what="candidate")
    return cand


def _history(session: Session, candidate_id: str) -> list[DecisionView]:
    rows = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.candidate_id == candidate_id)
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)
    )
    return [decision_view(r) for r in rows]


@router.get("/linkage", response_class=HTMLResponse)
def queue_page(
    request: Request,
    page: int = 1,
    decided: str = "",
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    page = max(1, page)
    shown, total = _queue(request, session, user, page)
    return render(
        request,
        "linkage_queue.html",
        {
            "pairs": [pair_view(c) for c in shown],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "threshold": DEFAULT_THRESHOLD,
            "decided": decided,
        },
    )


def _pair_page(
    request: Request,
    session: Session,
    cand: Candidate,
    *,
    problems: list[str] | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "linkage_pair.html",
        {
            "p": pair_view(cand),
            "contributions": cand.contributions,
            "chart": Markup(cand.svg()),  # built by linkage.explain with every text escaped
            "history": _history(session, cand.candidate_id),
            "problems": problems or [],
            "reason": reason,
        },
        status_code=status_code,
    )


@router.get("/linkage/{candidate_id}", response_class=HTMLResponse)
def pair_page(
    request: Request,
    candidate_id: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    return _pair_page(request, session, _candidate(request, session, user, candidate_id))


def _decide(
    request: Request, session: Session, user: User, candidate_id: str, decision: str, reason: str
) -> ReviewDecision:
    """The permission check, then ``linkage.review.decide`` (raises ReviewError)."""
    check(session, user, LINKAGE_REVIEW.name)
    return decide(
        app_state(request).ws,
        session=session,
        candidate_id=candidate_id,
        decision=decision,
        reason=reason,
        actor=user.username,
        role=user.role,
    )


def decision_view(r: ReviewDecision) -> DecisionView:
    return DecisionView(
        decision=r.decision,
        reason=r.reason,
        reviewer=r.reviewer,
        decided_at=r.decided_at.strftime("%Y-%m-%d %H:%M"),
    )


@router.post("/linkage/{candidate_id}/decide")
def decide_form(
    request: Request,
    candidate_id: str,
    decision: str = Form(""),
    reason: str = Form(""),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    try:
        _decide(request, session, user, candidate_id, decision, reason)
    except ReviewError as exc:
        try:
            cand = get_candidate(app_state(request).ws, candidate_id)
        except CandidateNotFound:
            raise HTTPException(404, str(exc)) from None
        return _pair_page(
            request, session, cand, problems=exc.problems, reason=reason, status_code=400
        )
    return RedirectResponse(f"/linkage?decided={quote(candidate_id)}", status_code=303)


class Queue(BaseModel):
    total: int
    page: int
    pairs: list[PairView]


class DecisionIn(BaseModel):
    decision: str
    reason: str


@api.get("/linkage/queue", response_model=Queue)
def queue_api(
    request: Request,
    page: int = 1,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Queue:
    shown, total = _queue(request, session, user, max(1, page))
    return Queue(total=total, page=max(1, page), pairs=[pair_view(c) for c in shown])


@api.post("/linkage/{candidate_id}/decision", response_model=DecisionView)
def decide_api(
    request: Request,
    candidate_id: str,
    body: DecisionIn,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> DecisionView:
    try:
        row = _decide(request, session, user, candidate_id, body.decision, body.reason)
    except ReviewError as exc:
        raise HTTPException(400, "; ".join(exc.problems)) from None
    return decision_view(row)
