"""Triage queue, flag view and the line manager's welfare list (``cases`` services)."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import FLAG_LIST, WELFARE_READ_TEAM
from integritas.access.authz import live_grant, record_access
from integritas.access.models import User
from integritas.cases import queue, service
from integritas.cases.models import ReviewFlag
from integritas.cases.outcomes import DISMISSAL_REASONS
from integritas.cases.schemas import FlagView, QueueFilter
from integritas.store.base import utcnow
from integritas.web import charts
from integritas.web.deps import NavItem, check, current_user, db, may, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["triage"])
NAV = [
    NavItem("Triage", "/triage", (FLAG_LIST.name,), order=20),
    NavItem("Welfare", "/welfare", (WELFARE_READ_TEAM.name,), order=40, needs_person=True),
]
REVIEWER_ROLES = ("investigator", "appropriate_authority")


def peers_chart(f: FlagView) -> charts.Markup:
    return charts.bar_vs_peers(
        f.value,
        peer_median=f.peer_median,
        peer_low=f.peer_low,
        peer_high=f.peer_high,
        title=f"{f.metric}: this person against {f.peer_n or 'their'} peers",
    )


def reviewers(session: Session) -> list[str]:
    q = select(User.username).where(User.role.in_(REVIEWER_ROLES), User.active.is_(True))
    return list(session.scalars(q.order_by(User.username)))


@router.get("/triage", response_class=HTMLResponse)
def triage_page(
    request: Request,
    rule: str | None = None,
    severity: str | None = None,
    page: int = 1,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    try:
        filters = QueueFilter.model_validate(
            {"rule": rule or None, "severity": severity or None, "page": max(1, page)}
        )
    except ValueError as exc:
        raise HTTPException(400, f"bad filter: {exc}") from None
    view = queue.list_queue(session, user=user, filters=filters)
    pages = max(1, -(-view.total // view.page_size))
    return render(request, "triage.html", {"view": view, "filters": filters, "pages": pages})


def _load_flag(session: Session, user: User, flag_id: str) -> tuple[FlagView, ReviewFlag]:
    row = session.get(ReviewFlag, flag_id)
    if row is None:
        raise HTTPException(404, f"no flag {flag_id!r} under review")
    # A welfare flag is only ever its subject's line manager's business.
    if row.tier == "secondary":
        decision = check(session, user, WELFARE_READ_TEAM.name, person_id=row.person_id)
    else:
        decision = check(session, user, FLAG_LIST.name)
    view = queue.flag_view(row, utcnow(), queue.case_ref_of(session, row))
    record_access(
        session,
        user,
        decision,
        subjects=[row.person_id],
        returned=view.model_dump(mode="json"),
        object_type="flag",
        object_id=flag_id,
    )
    return view, row


@router.get("/flags/{flag_id}", response_class=HTMLResponse)
def flag_page(
    request: Request,
    flag_id: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    view, row = _load_flag(session, user, flag_id)
    grant = live_grant(session, user, row.person_id) if row.tier == "tertiary" else None
    return render(
        request,
        "flag.html",
        {
            "f": view,
            "chart": peers_chart(view),
            "evidence_refs": len(json.loads(row.evidence)),
            "has_grant": grant is not None,
            "may_triage": may(user, "flag.triage") and row.status == "open",
            "reasons": DISMISSAL_REASONS,
            "reviewers": reviewers(session) if may(user, "case.open") else [],
        },
    )


@router.post("/flags/{flag_id}/dismiss")
def dismiss_form(
    flag_id: str,
    reason: str = Form(...),
    note: str = Form(""),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    queue.dismiss_flag(session, user=user, flag_id=flag_id, reason=reason, note=note)
    return RedirectResponse("/triage", status_code=303)


@router.post("/flags/{flag_id}/open-case")
def open_case_form(
    flag_id: str,
    investigator: str = Form(...),
    staff_type: str = Form("officer"),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    case = service.open_case(
        session, user=user, flag_ids=[flag_id], investigator=investigator, staff_type=staff_type
    )
    # An analyst opens cases but does not read them: back to the flag, which names the case.
    target = f"/cases/{quote(case.ref)}" if may(user, "case.read") else f"/flags/{quote(flag_id)}"
    return RedirectResponse(target, status_code=303)


@router.get("/welfare", response_class=HTMLResponse)
def welfare_page(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    if not may(user, WELFARE_READ_TEAM.name):
        check(session, user, WELFARE_READ_TEAM.name, person_id=user.person_id or "-")
    items = queue.welfare_list(session, user=user)
    return render(
        request, "welfare.html", {"items": items, "charts": [peers_chart(i) for i in items]}
    )


@api.get("/flags/{flag_id}")
def flag_json(
    flag_id: str, session: Session = Depends(db), user: User = Depends(current_user)
) -> FlagView:
    """One flag: pseudonym, rule, explanation and peer context (never its evidence rows)."""
    view, _ = _load_flag(session, user, flag_id)
    return view
