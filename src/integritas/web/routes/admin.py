"""Account administration (``users.manage``): list accounts, add one, disable one.

The administrator manages accounts, never person data: the list says whether an account is
linked to a member of staff, not who. Every change is audited by ``access.users``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from integritas.access.actions import USERS_MANAGE
from integritas.access.models import User
from integritas.access.roles import roles
from integritas.access.users import AccessError, add_user, disable_user, list_users
from integritas.web.deps import NavItem, check, current_user, db, render

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Accounts", "/admin/users", (USERS_MANAGE.name,), order=90)]


def _page(
    request: Request,
    session: Session,
    *,
    problems: list[str] | None = None,
    form: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin_users.html",
        {
            "accounts": list_users(session),
            "roles": roles(),
            "problems": problems or [],
            "form": form or {},
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    done: str = "",
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    check(session, user, USERS_MANAGE.name)
    return _page(request, session, done=done)


@router.post("/admin/users")
def add_form(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    role: str = Form(""),
    unit_id: str = Form(""),
    person_id: str = Form(""),
    password: str = Form(""),
    oidc_subject: str = Form(""),
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    check(session, user, USERS_MANAGE.name)
    try:
        add_user(
            session,
            username=username.strip(),
            role=role,
            password=password or None,
            unit_id=unit_id.strip() or None,
            person_id=person_id.strip() or None,
            display_name=display_name.strip(),
            actor=user.username,
            oidc_subject=oidc_subject.strip() or None,
        )
    except AccessError as exc:
        form = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "unit_id": unit_id,
            "person_id": person_id,
            "oidc_subject": oidc_subject,
        }  # never the password
        problems = str(exc).split("; ")
        return _page(request, session, problems=problems, form=form, status_code=400)
    return RedirectResponse(f"/admin/users?done={quote('added ' + username)}", status_code=303)


@router.post("/admin/users/{username}/disable")
def disable_form(
    request: Request,
    username: str,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    check(session, user, USERS_MANAGE.name)
    if username == user.username:
        problems = ["you cannot disable your own account; ask another administrator"]
        return _page(request, session, problems=problems, status_code=400)
    try:
        disable_user(session, username=username, actor=user.username)
    except AccessError as exc:
        return _page(request, session, problems=[str(exc)], status_code=404)
    return RedirectResponse(f"/admin/users?done={quote('disabled ' + username)}", status_code=303)
