"""Request dependencies: the app's state, a database session per request, the signed-in user,
permission guards, and rendering with the shared page context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import Decision, PermissionDenied, authorize
from integritas.access.models import User
from integritas.access.oidc import TokenPoster
from integritas.access.roles import roles
from integritas.access.settings import AccessSettings, OIDCSettings
from integritas.access.users import session_user
from integritas.settings import WebSettings, Workspace
from integritas.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    RateLimiter,
    csrf_ok,
    csrf_token,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    actions: tuple[str, ...]  # shown when the role may do any of these
    order: int = 50
    needs_person: bool = False  # only for accounts linked to a member of staff


@dataclass
class AppState:
    ws: Workspace
    settings: WebSettings
    sessions: sessionmaker[Session]
    secret: bytes
    templates: Jinja2Templates
    login_limiter: RateLimiter
    access: AccessSettings = field(default_factory=AccessSettings)
    oidc: OIDCSettings = field(default_factory=lambda: OIDCSettings(enabled=False))
    # The OIDC token-endpoint call; None means HTTPS via urllib (access.oidc).
    oidc_post: TokenPoster | None = None
    nav: list[NavItem] = field(default_factory=list)
    small_cell_k: int = 10
    # Per-process memo for pages (e.g. the last audit-chain verification); not shared state.
    memo: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Who:
    """What pages show about the signed-in account (survives the request's transaction)."""

    username: str
    display_name: str
    role: str
    person_id: str | None

    @classmethod
    def of(cls, user: User) -> Who:
        return cls(user.username, user.display_name, user.role, user.person_id)


class NotSignedIn(Exception):
    """No live session: pages redirect to the login form, the API answers 401."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign-in required")
        self.expired = expired


class CsrfRejected(Exception):
    """A state-changing request without a valid CSRF token."""


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.integritas
    return state


def db(request: Request) -> Iterator[Session]:
    """One transaction per request. A refusal still commits: its audit event must stay."""
    session = app_state(request).sessions()
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


def shared_session(session: Session = Depends(db)) -> Session:
    """The request's session, for feature routers that declare their own session dependency."""
    return session


def optional_user(request: Request, session: Session = Depends(db)) -> User | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    user = session_user(session, token, web=app_state(request).settings)
    if user is not None:
        request.state.who = Who.of(user)
    return user


def current_user(request: Request, user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise NotSignedIn(expired=bool(request.cookies.get(SESSION_COOKIE)))
    return user


def may(user: User | Who | None, *actions: str) -> bool:
    """Whether the user's role includes any of ``actions`` (for navigation; no audit)."""
    if user is None:
        return False
    role = roles().get(user.role)
    return role is not None and any(a in role.may for a in actions)


def check(session: Session, user: User, action: str, **kwargs: Any) -> Decision:
    """The one permission check (``access.authz``); a denial is audited and raises."""
    decision = authorize(session, user, action, **kwargs)
    if not decision.allowed:
        raise PermissionDenied(decision)
    return decision


def guard(action: str) -> Any:
    """A dependency that requires ``action`` (no person or case) and returns the decision."""

    def dependency(session: Session = Depends(db), user: User = Depends(current_user)) -> Decision:
        return check(session, user, action)

    return Depends(dependency)


async def verify_csrf(request: Request) -> None:
    """Every state-changing request carries the session-bound token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    state = app_state(request)
    given = request.headers.get(CSRF_HEADER, "")
    ctype = request.headers.get("content-type", "")
    if not given and (
        ctype.startswith("application/x-www-form-urlencoded")
        or ctype.startswith("multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    seed = request.cookies.get("integritas_csrf", "")
    session_token = request.cookies.get(SESSION_COOKIE, "")
    if not csrf_ok(state.secret, seed, session_token, given):
        raise CsrfRejected()


def form_token(request: Request) -> str:
    state = app_state(request)
    seed: str = getattr(request.state, "csrf_seed", "")
    return csrf_token(state.secret, seed, request.cookies.get(SESSION_COOKIE, ""))


def nav_for(state: AppState, user: User | Who | None) -> list[NavItem]:
    shown = (
        n
        for n in state.nav
        if may(user, *n.actions) and (not n.needs_person or (user and user.person_id))
    )
    return sorted(shown, key=lambda n: n.order)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: User | None = None,
) -> HTMLResponse:
    state = app_state(request)
    who = Who.of(user) if user is not None else getattr(request.state, "who", None)
    role = roles().get(who.role) if who is not None else None
    ctx: dict[str, Any] = {
        "user": who,
        "role_title": role.title if role else "",
        "nav": nav_for(state, who),
        "csrf_token": form_token(request),
        "csrf_field": CSRF_FIELD,
        "path": request.url.path,
    }
    ctx.update(context or {})
    return state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
