"""Single sign-on through the force's OpenID Connect provider, when ``INTEGRITAS_OIDC_ENABLED``.

``GET /login/oidc`` starts the authorization-code flow (``access.oidc.begin_login``) and keeps
its state, nonce and PKCE verifier in a short-lived cookie signed with the app's secret (path
``/login/oidc``, HttpOnly, SameSite=Lax so that it comes back with the provider's redirect).
``GET /login/oidc/callback`` finishes it (``access.oidc.complete_login``: state, code exchange,
ID-token checks, a linked active account) and opens the same server-side session as a password
sign-in. The session cookie is SameSite=Strict, which browsers that follow RFC 6265bis withhold
on a redirect chain that began at the provider, so the callback answers with a page that
continues to the target itself (a same-site navigation). Every refusal is audited by
``access.oidc``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from integritas.access.oidc import AuthRequest, OIDCError, begin_login, complete_login
from integritas.web.auth import client_key, login_page, safe_next, set_session_cookie
from integritas.web.deps import app_state, db, render

router = APIRouter(include_in_schema=False)

PENDING_COOKIE = "integritas_oidc"
PENDING_PATH = "/login/oidc"
PENDING_SECONDS = 600


def _sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, b"oidc-pending|" + body, hashlib.sha256).hexdigest()


def pack_pending(secret: bytes, pending: AuthRequest, next_path: str, now: float) -> str:
    body = json.dumps(
        {"req": pending.model_dump(), "next": next_path, "exp": int(now) + PENDING_SECONDS}
    ).encode()
    return base64.urlsafe_b64encode(body).decode() + "." + _sign(secret, body)


def unpack_pending(secret: bytes, value: str, now: float) -> tuple[AuthRequest, str] | None:
    """The sign-in this browser started, or None when absent, forged or expired."""
    encoded, _, mac = value.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode())
    except (ValueError, TypeError):
        return None
    if not mac or not hmac.compare_digest(mac, _sign(secret, body)):
        return None
    try:
        data = json.loads(body)
        if int(data["exp"]) < now:
            return None
        return AuthRequest.model_validate(data["req"]), safe_next(str(data["next"]))
    except (ValueError, KeyError, TypeError, ValidationError):
        return None


@router.get("/login/oidc")
def oidc_start(request: Request, next: str = "/") -> Response:
    state = app_state(request)
    try:
        pending = begin_login(state.oidc)
    except OIDCError as exc:
        return login_page(request, next, f"Single sign-on is not available: {exc}", 404)
    response = RedirectResponse(pending.url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pack_pending(state.secret, pending, safe_next(next), time.time()),
        max_age=PENDING_SECONDS,
        path=PENDING_PATH,
        httponly=True,
        secure=state.settings.secure_cookies,
        samesite="lax",
    )
    return response


@router.get("/login/oidc/callback", response_class=HTMLResponse)
def oidc_callback(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    session: Session = Depends(db),
) -> Response:
    app = app_state(request)
    if not app.login_limiter.hit(client_key(request)):
        return login_page(request, "/", "Too many attempts. Try again shortly.", 429)
    found = unpack_pending(app.secret, request.cookies.get(PENDING_COOKIE, ""), time.time())
    # Without the cookie there is nothing to match: an empty expected state fails (and is
    # audited) inside complete_login, like any other mismatch.
    pending, next_path = found or (AuthRequest(url="", state="", nonce="", code_verifier=""), "/")
    if error:
        code = None  # the provider refused; complete_login records "no authorization code"
    try:
        new = complete_login(
            session,
            cfg=app.oidc,
            pending=pending,
            state=state,
            code=code,
            post=app.oidc_post,
            access=app.access,
        )
    except OIDCError as exc:
        session.commit()  # keep the audit record of the refusal
        reason = f"provider said: {error}" if error else str(exc)
        response = login_page(request, next_path, f"Single sign-on failed ({reason}).", 401)
        response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
        return response
    response = render(request, "continue.html", {"next": next_path}, user=None)
    set_session_cookie(response, app, new.token)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    return response
