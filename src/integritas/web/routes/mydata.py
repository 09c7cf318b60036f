"""My data (every member of staff): what is held about me and why, my records, my rights,
and the monitoring notice (readable without signing in)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from integritas.access.actions import SELF_READ
from integritas.access.authz import record_access
from integritas.access.models import User
from integritas.settings import Workspace
from integritas.web.deps import NavItem, app_state, check, current_user, db, optional_user, render
from integritas.web.rights import (
    dispute_my_record,
    export_path,
    my_exports,
    request_export,
    rights_available,
)
from integritas.web.selfservice import (
    MyData,
    MyRecords,
    UnknownSource,
    my_data,
    my_records,
    person_sources,
)

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["my data"])
NAV = [NavItem("My data", "/my-data", (SELF_READ.name,), order=80, needs_person=True)]


def _person(user: User) -> str:
    if not user.person_id:
        raise HTTPException(404, "this account is not linked to a member of staff")
    return user.person_id


def load_my_data(request: Request, session: Session, user: User) -> MyData:
    person = _person(user)
    decision = check(session, user, SELF_READ.name, person_id=person)
    view = my_data(app_state(request).ws, person)
    record_access(
        session,
        user,
        decision,
        subjects=[person],
        object_type="self_service",
        object_id="summary",
        returned={h.source: h.rows_about_me for h in view.held},
    )
    return view


def load_my_records(request: Request, session: Session, user: User, source: str) -> MyRecords:
    person = _person(user)
    decision = check(session, user, SELF_READ.name, person_id=person)
    try:
        view = my_records(app_state(request).ws, person, source)
    except UnknownSource:
        raise HTTPException(404, f"no person-level source {source!r}") from None
    record_access(
        session,
        user,
        decision,
        subjects=[person],
        object_type="source",
        object_id=source,
        returned=list(zip(view.batch_ids, view.row_numbers, strict=True)),
    )
    return view


@router.get("/my-data", response_class=HTMLResponse)
def my_data_page(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    view = load_my_data(request, session, user)
    ctx = {
        "view": view,
        "rights": rights_available(),
        "exports": my_exports(app_state(request).ws, view.person_id),
        "dispute_id": request.query_params.get("disputed", ""),
    }
    return render(request, "mydata.html", ctx)


def _rights_or_404() -> None:
    if not rights_available():
        raise HTTPException(404, "self-service rights requests are not enabled here")


@router.post("/my-data/export")
def export_form(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    _rights_or_404()
    request_export(app_state(request).ws, session, user)
    return RedirectResponse("/my-data#rights", status_code=303)


@router.get("/my-data/exports/{name}")
def export_download(
    request: Request,
    name: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    person = _person(user)
    check(session, user, SELF_READ.name, person_id=person)
    path = export_path(app_state(request).ws, person, name)
    if path is None:
        raise HTTPException(404, "no such export of yours")
    return FileResponse(path, media_type="application/zip", filename=name)


@router.post("/my-data/dispute")
def dispute_form(
    request: Request,
    source: str = Form(...),
    batch_id: str = Form(...),
    row_number: int = Form(...),
    reason: str = Form(...),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    _rights_or_404()
    _person(user)
    dispute = dispute_my_record(
        app_state(request).ws,
        session,
        user,
        source=source,
        batch_id=batch_id,
        row_number=row_number,
        reason=reason,
    )
    return RedirectResponse(f"/my-data?disputed={dispute}#rights", status_code=303)


@router.get("/my-data/records/{source}", response_class=HTMLResponse)
def my_records_page(
    request: Request,
    source: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    view = load_my_records(request, session, user, source)
    return render(request, "myrecords.html", {"view": view, "rights": rights_available()})


@router.get("/notice", response_class=HTMLResponse)
def notice_page(request: Request, user: User | None = Depends(optional_user)) -> Response:
    return render(
        request,
        "notice.html",
        {"sources": person_sources(), "document": staff_notice(app_state(request).ws)},
        user=user,
    )


def staff_notice(ws: Workspace) -> Any:
    """The transparency package's staff notice, generated from the registers, if built."""
    try:
        from integritas.transparency.documents import notice
        from integritas.transparency.dpia import build
    except ModuleNotFoundError:
        return None
    return notice(build(ws))


@api.get("/my-data")
def my_data_json(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> MyData:
    """What is held about the signed-in member of staff, and which metrics exist and why."""
    return load_my_data(request, session, user)


@api.get("/my-data/records/{source}")
def my_records_json(
    request: Request,
    source: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> MyRecords:
    """The signed-in person's own rows of one source (other people's pseudonyms blanked)."""
    return load_my_records(request, session, user, source)


class ExportOut(BaseModel):
    file: str
    url: str


class DisputeIn(BaseModel):
    source: str
    batch_id: str
    row_number: int
    reason: str


class DisputeOut(BaseModel):
    dispute_id: int


@api.post("/my-data/export", status_code=201)
def export_json(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> ExportOut:
    """Produce the signed-in person's subject-access export (a zip they alone may fetch)."""
    _rights_or_404()
    _person(user)
    name = request_export(app_state(request).ws, session, user)
    return ExportOut(file=name, url=f"/my-data/exports/{name}")


@api.post("/my-data/disputes", status_code=201)
def dispute_json(
    request: Request,
    body: DisputeIn,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> DisputeOut:
    """Dispute one of one's own records; it is set aside from measures while reviewed."""
    _rights_or_404()
    _person(user)
    dispute = dispute_my_record(
        app_state(request).ws,
        session,
        user,
        source=body.source,
        batch_id=body.batch_id,
        row_number=body.row_number,
        reason=body.reason,
    )
    return DisputeOut(dispute_id=dispute)
