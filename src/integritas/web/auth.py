"""Sign-in, sign-out and session expiry. Sessions live server-side (``access.users``); the
browser holds only an opaque token in a Secure, HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from integritas.access.models import User
from integritas.access.users import LoginFailed, login, revoke_session
from integritas.web.deps import AppState, app_state, current_user, db, optional_user, render
from integritas.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_page(request: Request, next: str, message: str, status_code: int = 200) -> Response:
    """The sign-in form (with the single sign-on button when OIDC is enabled)."""
    return render(
        request,
        "login.html",
        {"next": safe_next(next), "message": message, "oidc": app_state(request).oidc.enabled},
        status_code=status_code,
    )


def set_session_cookie(response: Response, state: AppState, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        httponly=True,
        secure=state.settings.secure_cookies,
        samesite="strict",
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    next: str = "/",
    expired: int = 0,
    user: User | None = Depends(optional_user),
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    message = "Your session has expired. Please sign in again." if expired else ""
    response = login_page(request, next, message)
    if expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(db),
) -> Response:
    state = app_state(request)
    key = client_key(request)
    if not state.login_limiter.hit(key) or not state.login_limiter.hit(f"user:{username}"):
        wait = max(
            state.login_limiter.retry_after(key),
            state.login_limiter.retry_after(f"user:{username}"),
        )
        response = login_page(request, next, f"Too many attempts. Try again in {wait} s.", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        new = login(session, username=username, password=password, settings=state.access)
    except LoginFailed:
        # The failure (and any lockout) is audited by access.users; commit it with the refusal.
        session.commit()
        return login_page(request, next, "Sign-in failed. Check your details.", 401)
    done = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(done, state, new.token)
    return done


@router.post("/logout")
def logout(
    request: Request,
    session: Session = Depends(db),
    user: User = Depends(current_user),
) -> Response:
    revoke_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def login_redirect(request: Request, expired: bool) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(target, safe='')}" + ("&expired=1" if expired else "")
    response = RedirectResponse(url, status_code=303)
    if expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
