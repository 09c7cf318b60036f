"""The start page: who you are, what your role may do, where to go."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from integritas.access.models import User
from integritas.access.roles import role as lookup_role
from integritas.web.deps import NavItem, app_state, current_user, nav_for, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["session"])
NAV: list[NavItem] = []


class MeView(BaseModel):
    username: str
    display_name: str
    role: str
    role_title: str
    unit_id: str | None
    may: list[str]
    pages: list[str]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: User = Depends(current_user)) -> Response:
    spec = lookup_role(user.role)
    return render(request, "home.html", {"role_description": spec.description}, user=user)


@api.get("/me")
def me(request: Request, user: User = Depends(current_user)) -> MeView:
    """The signed-in account, its role and the pages it may open."""
    spec = lookup_role(user.role)
    return MeView(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_title=spec.title,
        unit_id=user.unit_id,
        may=sorted(spec.may),
        pages=[n.path for n in nav_for(app_state(request), user)],
    )
