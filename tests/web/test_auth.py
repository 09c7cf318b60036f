from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.audit.models import AuditEvent
from integritas.settings import Workspace
from integritas.store.session import workspace_sessions
from integritas.web.security import CSP, SESSION_COOKIE


def _events(ws: Workspace, action: str) -> list[AuditEvent]:
    with workspace_sessions(ws)() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    r = client.get("/health", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=%2Fhealth")
    assert client.get("/api/me").status_code == 401


def test_login_sets_strict_httponly_cookie_and_shows_role(
    client: TestClient, csrf_of: Callable[[str], str], passwords: dict[str, str]
) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "username": "demo-analyst",
            "password": passwords["demo-analyst"],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = client.get("/")
    assert 'id="role">Analyst<' in home.text
    assert client.get("/api/me").json()["role"] == "analyst"


def test_secure_flag_on_by_default(
    web_ws: Workspace, csrf_of: Callable[[str], str], passwords: dict[str, str]
) -> None:
    from integritas.settings import WebSettings
    from integritas.web.app import create_app

    app = create_app(web_ws, WebSettings(secure_cookies=True))
    with TestClient(app, base_url="https://127.0.0.1") as c:
        page = c.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        r = c.post(
            "/login",
            data={
                "username": "demo-auditor",
                "password": passwords["demo-auditor"],
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
        assert "Secure" in cookie


def test_login_without_csrf_token_is_refused(client: TestClient, passwords: dict[str, str]) -> None:
    client.get("/login")
    r = client.post(
        "/login", data={"username": "demo-analyst", "password": passwords["demo-analyst"]}
    )
    assert r.status_code == 403
    assert SESSION_COOKIE not in r.cookies


def test_wrong_password_is_audited_and_generic(
    client: TestClient, web_ws: Workspace, csrf_of: Callable[[str], str]
) -> None:
    before = len(_events(web_ws, "auth.login_failed"))
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"username": "demo-dpo", "password": "not the password", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "Sign-in failed" in r.text
    assert len(_events(web_ws, "auth.login_failed")) == before + 1


def test_login_is_rate_limited(web_ws: Workspace, csrf_of: Callable[[str], str]) -> None:
    from integritas.settings import WebSettings
    from integritas.web.app import create_app

    app = create_app(web_ws, WebSettings(secure_cookies=False), login_attempts_per_minute=3)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        token = csrf_of(c.get("/login").text)
        codes = [
            c.post(
                "/login",
                data={"username": "nobody", "password": "x" * 12, "csrf_token": token},
            ).status_code
            for _ in range(5)
        ]
    assert codes == [401, 401, 401, 429, 429]


def test_logout_revokes_the_server_session(
    signed_in: Callable[[str], TestClient], csrf_of: Callable[[str], str]
) -> None:
    c = signed_in("demo-staff")
    token_cookie = c.cookies.get(SESSION_COOKIE)
    csrf = csrf_of(c.get("/").text)
    r = c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    # replaying the old cookie gets nothing: the session is revoked server-side
    c.cookies.set(SESSION_COOKIE, token_cookie or "")
    assert c.get("/api/me").status_code == 401


def test_logout_needs_csrf(signed_in: Callable[[str], TestClient]) -> None:
    c = signed_in("demo-staff")
    assert c.post("/logout", data={}).status_code == 403
    assert c.get("/api/me").status_code == 200


def test_idle_session_expires(web_app: FastAPI, signed_in: Callable[[str], TestClient]) -> None:
    from datetime import timedelta

    from integritas.access.models import LoginSession

    c = signed_in("demo-analyst")
    state = web_app.state.integritas
    with state.sessions.begin() as s:
        for row in s.scalars(select(LoginSession).where(LoginSession.revoked_at.is_(None))):
            row.last_seen = row.last_seen - timedelta(minutes=state.settings.session_minutes + 1)
    r = c.get("/health", follow_redirects=False)
    assert r.status_code == 303
    assert "expired=1" in r.headers["location"]
    page = c.get(r.headers["location"])
    assert "session has expired" in page.text


def test_security_headers_and_no_inline_script_or_style(
    signed_in: Callable[[str], TestClient],
) -> None:
    c = signed_in("demo-appropriate-authority")
    for path in ("/", "/health", "/registers", "/login", "/notice"):
        r = c.get(path)
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path
        assert not re.search(r"\sstyle=", r.text), path
        assert "<style" not in r.text and "http://" not in r.text.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )


def test_openapi_served_without_cdn_docs(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/health/heatmap" in spec["paths"]
    assert "/login" not in spec["paths"]
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_next_parameter_cannot_leave_the_site(client: TestClient) -> None:
    from integritas.web.auth import safe_next

    assert safe_next("//evil.example/x") == "/"
    assert safe_next("https://evil.example") == "/"
    assert safe_next("/health?unit=FP") == "/health?unit=FP"
