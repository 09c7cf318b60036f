"""JSON API for triage, cases, outcomes, letters and rule health (mounted under ``/api``).

The web package binds ``current_user`` to the signed-in user and ``get_session`` to its
per-request transaction. Permission denials propagate as ``PermissionDenied`` (the web app
answers 403 and keeps the audited denial); bad requests answer 400/404 and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import PermissionDenied
from integritas.access.models import User
from integritas.cases import decisions, evidence, letters, queue, service
from integritas.cases.outcomes import DISMISSAL_REASONS, Outcome, outcomes
from integritas.cases.precision import RuleHealth, rule_health
from integritas.cases.queue import CaseError
from integritas.cases.schemas import (
    CaseDetail,
    CaseSummary,
    FlagEvidence,
    FlagView,
    Letter,
    NoteView,
    OutcomeView,
    QueueFilter,
    QueuePage,
    SortKey,
)

router = APIRouter(prefix="/cases", tags=["cases"])


def current_user() -> User:
    """Overridden by the web package (signed-in user) and by tests."""
    raise HTTPException(status_code=401, detail="sign-in required")


@lru_cache(maxsize=1)
def _default_sessions() -> sessionmaker[Session]:
    from integritas.settings import Workspace
    from integritas.store.session import workspace_sessions

    return workspace_sessions(Workspace.from_settings(None))


def get_session() -> Iterator[Session]:
    """One transaction per request; a refusal still commits so that its audit event stays."""
    session = _default_sessions()()
    try:
        yield session
        session.commit()
    except PermissionDenied:
        session.commit()
        raise
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def install_handlers(app: FastAPI) -> None:
    """For an app without the web package's handlers: a denial answers 403."""

    @app.exception_handler(PermissionDenied)
    async def _denied(_request: Request, exc: PermissionDenied) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def _bad(exc: CaseError) -> HTTPException:
    msg = str(exc)
    return HTTPException(status_code=404 if msg.startswith("no ") else 400, detail=msg)


DB = Depends(get_session)
ME = Depends(current_user)


class DismissIn(BaseModel):
    reason: str = Field(description="One of the declared dismissal reasons.")
    note: str = ""


class OpenCaseIn(BaseModel):
    flag_ids: list[str] = Field(min_length=1)
    investigator: str
    staff_type: Literal["officer", "staff"] = "officer"


class AssignIn(BaseModel):
    investigator: str


class NoteIn(BaseModel):
    text: str
    corrects: int | None = None


class NotifyIn(BaseModel):
    deadline: datetime | None = None


class NotifyOut(BaseModel):
    deadline: datetime


class AccountIn(BaseModel):
    response: str | None = None
    deadline_passed: bool = False


class AccountOut(BaseModel):
    account_status: str


class OutcomeIn(BaseModel):
    outcome: str
    reasons: str


class AppealIn(BaseModel):
    grounds: str


class AppealDecisionIn(BaseModel):
    result: Literal["allowed", "dismissed"]
    reasons: str


class Declared(BaseModel):
    outcomes: list[Outcome]
    dismissal_reasons: dict[str, str]


@router.get("/queue", response_model=QueuePage, summary="Triage queue of live tertiary flags")
def get_queue(
    rule: str | None = None,
    unit: str | None = None,
    severity: Literal["low", "medium", "high"] | None = None,
    min_age_days: int | None = Query(default=None, ge=0),
    max_age_days: int | None = Query(default=None, ge=0),
    sort: SortKey = "received_at",
    descending: bool = True,
    page: int = Query(default=1, ge=1),
    page_size: int = Query(default=50, ge=1, le=500),
    session: Session = DB,
    user: User = ME,
) -> QueuePage:
    f = QueueFilter(
        rule=rule,
        unit=unit,
        severity=severity,
        min_age_days=min_age_days,
        max_age_days=max_age_days,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )
    return queue.list_queue(session, user=user, filters=f)


@router.post("/flags/{flag_id}/dismiss", response_model=FlagView, summary="Dismiss a flag")
def post_dismiss(flag_id: str, body: DismissIn, session: Session = DB, user: User = ME) -> FlagView:
    try:
        return queue.dismiss_flag(
            session, user=user, flag_id=flag_id, reason=body.reason, note=body.note
        )
    except CaseError as exc:
        raise _bad(exc) from None


@router.get("/welfare", response_model=list[FlagView], summary="My team's welfare flags")
def get_welfare(session: Session = DB, user: User = ME) -> list[FlagView]:
    return queue.welfare_list(session, user=user)


@router.get("/declared", response_model=Declared, summary="Outcomes and dismissal reasons")
def get_declared() -> Declared:
    return Declared(outcomes=list(outcomes().values()), dismissal_reasons=dict(DISMISSAL_REASONS))


@router.get("/rules/health", response_model=list[RuleHealth], summary="Rule precision and health")
def get_rule_health(session: Session = DB, user: User = ME) -> list[RuleHealth]:
    return rule_health(session, user=user)


@router.get("", response_model=list[CaseSummary], summary="Cases I may read")
def get_cases(session: Session = DB, user: User = ME) -> list[CaseSummary]:
    return service.list_cases(session, user=user)


@router.post("", response_model=CaseSummary, status_code=201, summary="Open a case")
def post_case(body: OpenCaseIn, session: Session = DB, user: User = ME) -> CaseSummary:
    try:
        return service.open_case(
            session,
            user=user,
            flag_ids=body.flag_ids,
            investigator=body.investigator,
            staff_type=body.staff_type,
        )
    except CaseError as exc:
        raise _bad(exc) from None


@router.get("/{ref}", response_model=CaseDetail, summary="A case with its timeline")
def get_case(ref: str, session: Session = DB, user: User = ME) -> CaseDetail:
    try:
        return service.get_case(session, user=user, ref=ref)
    except CaseError as exc:
        raise _bad(exc) from None


@router.post("/{ref}/assign", response_model=CaseSummary, summary="Reassign the investigator")
def post_assign(ref: str, body: AssignIn, session: Session = DB, user: User = ME) -> CaseSummary:
    try:
        return service.assign_case(session, user=user, ref=ref, investigator=body.investigator)
    except CaseError as exc:
        raise _bad(exc) from None


@router.post("/{ref}/notes", response_model=NoteView, status_code=201, summary="Add a note")
def post_note(ref: str, body: NoteIn, session: Session = DB, user: User = ME) -> NoteView:
    try:
        return service.add_note(session, user=user, ref=ref, text=body.text, corrects=body.corrects)
    except CaseError as exc:
        raise _bad(exc) from None


@router.get("/{ref}/evidence", response_model=list[FlagEvidence], summary="Open the evidence")
def get_evidence(ref: str, session: Session = DB, user: User = ME) -> list[FlagEvidence]:
    try:
        return evidence.view_evidence(session, user=user, ref=ref)
    except CaseError as exc:
        raise _bad(exc) from None


@router.post("/{ref}/notify", response_model=NotifyOut, summary="Record notifying the subject")
def post_notify(ref: str, body: NotifyIn, session: Session = DB, user: User = ME) -> NotifyOut:
    try:
        due = decisions.notify_subject(session, user=user, ref=ref, deadline=body.deadline)
    except CaseError as exc:
        raise _bad(exc) from None
    return NotifyOut(deadline=due)


@router.post("/{ref}/account", response_model=AccountOut, summary="Record the subject's account")
def post_account(ref: str, body: AccountIn, session: Session = DB, user: User = ME) -> AccountOut:
    try:
        status = decisions.record_account(
            session,
            user=user,
            ref=ref,
            response=body.response,
            deadline_passed=body.deadline_passed,
        )
    except CaseError as exc:
        raise _bad(exc) from None
    return AccountOut(account_status=status)


@router.post("/{ref}/outcome", response_model=OutcomeView, status_code=201, summary="Decide")
def post_outcome(ref: str, body: OutcomeIn, session: Session = DB, user: User = ME) -> OutcomeView:
    try:
        return decisions.decide_outcome(
            session, user=user, ref=ref, outcome=body.outcome, reasons=body.reasons
        )
    except CaseError as exc:
        raise _bad(exc) from None


@router.post("/{ref}/appeal", response_model=CaseDetail, summary="Lodge an appeal")
def post_appeal(ref: str, body: AppealIn, session: Session = DB, user: User = ME) -> CaseDetail:
    try:
        decisions.lodge_appeal(session, user=user, ref=ref, grounds=body.grounds)
        return service.get_case(session, user=user, ref=ref)
    except CaseError as exc:
        raise _bad(exc) from None


@router.post("/{ref}/appeal/decision", response_model=CaseDetail, summary="Decide an appeal")
def post_appeal_decision(
    ref: str, body: AppealDecisionIn, session: Session = DB, user: User = ME
) -> CaseDetail:
    try:
        decisions.decide_appeal(
            session, user=user, ref=ref, result=body.result, reasons=body.reasons
        )
        return service.get_case(session, user=user, ref=ref)
    except CaseError as exc:
        raise _bad(exc) from None


@router.get(
    "/{ref}/letters/{kind}",
    response_model=Letter,
    summary="Generate a letter (JSON with HTML; ?format=pdf for the PDF)",
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_letter(
    ref: str,
    kind: letters.LetterKind,
    format: Literal["json", "pdf"] = "json",
    session: Session = DB,
    user: User = ME,
) -> Letter | Response:
    try:
        if format == "pdf":
            data = letters.generate_letter_pdf(session, user=user, ref=ref, kind=kind)
            return Response(
                data,
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{ref}-{kind}.pdf"'},
            )
        return letters.generate_letter(session, user=user, ref=ref, kind=kind)
    except CaseError as exc:
        raise _bad(exc) from None
