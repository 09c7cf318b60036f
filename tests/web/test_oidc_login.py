"""Single sign-on against a real local OpenID provider over HTTP (access.testing.LocalIdP)."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.access.testing import LocalIdP, SigningKey
from integritas.audit.models import AuditEvent
from integritas.settings import WebSettings, Workspace
from integritas.web.oidc import pack_pending, unpack_pending

BASE = "http://127.0.0.1"
SUBJECT = "sub-sso-analyst"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def provider_redirect(url: str) -> str:
    """Follow the browser to the provider; return where it sends the browser back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(url, timeout=5)
    assert info.value.code == 302
    back = urllib.parse.urlsplit(info.value.headers["Location"])
    return f"{back.path}?{back.query}"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("sso-1", seed=11)


@pytest.fixture(scope="module")
def idp(key: SigningKey) -> Iterator[LocalIdP]:
    with LocalIdP(key, client_id="integritas", subject=SUBJECT) as running:
        yield running


@pytest.fixture(scope="module")
def sso_app(web_ws: Workspace, idp: LocalIdP, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    from integritas.access.users import add_user
    from integritas.store.session import workspace_sessions
    from integritas.web.app import create_app

    with workspace_sessions(web_ws).begin() as s:
        add_user(s, username="sso-analyst", role="analyst", password=None, oidc_subject=SUBJECT)
    cfg = idp.settings(f"{BASE}/login/oidc/callback", tmp_path_factory.mktemp("oidc") / "jwks.json")
    return create_app(
        web_ws, WebSettings(secure_cookies=False), oidc=cfg, login_attempts_per_minute=1000
    )


@pytest.fixture
def browser_client(sso_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(sso_app, base_url=BASE) as c:
        yield c


def _failures(web_ws: Workspace) -> list[str]:
    from integritas.store.session import workspace_sessions

    with workspace_sessions(web_ws)() as s:
        rows = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "auth.login_failed")
        ).all()
    return [r for r in rows if r.startswith("oidc:")]


def test_sign_in_through_the_provider(browser_client: TestClient, idp: LocalIdP) -> None:
    c = browser_client
    assert 'id="oidc-login"' in c.get("/login").text
    start = c.get("/login/oidc", params={"next": "/triage"}, follow_redirects=False)
    assert start.status_code == 303
    assert start.headers["location"].startswith(f"{idp.url}/authorize?")
    cookie = start.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/login/oidc" in cookie
    done = c.get(provider_redirect(start.headers["location"]))
    assert done.status_code == 200
    # the page continues to the target itself, so the Strict session cookie goes with it
    assert 'content="0;url=/triage"' in done.text
    home = c.get("/", follow_redirects=False)
    assert home.status_code == 200 and "sso-analyst" in home.text


def test_a_code_works_once(browser_client: TestClient, idp: LocalIdP, web_ws: Workspace) -> None:
    c = browser_client
    start = c.get("/login/oidc", follow_redirects=False)
    pending = c.cookies.get("integritas_oidc")
    assert pending
    callback = provider_redirect(start.headers["location"])
    assert c.get(callback).status_code == 200
    before = len(_failures(web_ws))
    c.cookies.set("integritas_oidc", pending, domain="127.0.0.1", path="/login/oidc")
    replay = c.get(callback)  # same state, same code: the provider refuses the second use
    assert replay.status_code == 401
    assert "Single sign-on failed" in replay.text
    details = _failures(web_ws)[before:]
    assert len(details) == 1 and "provider refused the code (invalid_grant)" in details[0]


@pytest.mark.parametrize(
    "case, reason",
    [
        ("tampered_state", "state does not match"),
        ("no_cookie", "state does not match"),
        ("provider_error", "no authorization code"),
        ("unlinked_subject", "no active account is linked"),
    ],
)
def test_refusals_are_explained_and_audited(
    sso_app: FastAPI, idp: LocalIdP, web_ws: Workspace, case: str, reason: str
) -> None:
    before = len(_failures(web_ws))
    with TestClient(sso_app, base_url=BASE) as c:
        start = c.get("/login/oidc", follow_redirects=False)
        if case == "unlinked_subject":
            idp.subject = "sub-nobody"
        try:
            callback = provider_redirect(start.headers["location"])
        finally:
            idp.subject = SUBJECT
        if case == "tampered_state":
            callback = callback.replace("state=", "state=x")
        elif case == "no_cookie":
            c.cookies.clear()
        elif case == "provider_error":
            callback = (
                "/login/oidc/callback?error=access_denied&state=" + callback.split("state=")[1]
            )
        r = c.get(callback)
        assert r.status_code == 401
        assert "Single sign-on failed" in r.text
        assert c.get("/", follow_redirects=False).status_code == 303  # not signed in
    details = _failures(web_ws)[before:]
    assert len(details) == 1 and reason in details[0]


def test_pending_cookie_is_signed_and_expires() -> None:
    from integritas.access.oidc import AuthRequest

    secret = b"k" * 32
    req = AuthRequest(url="u", state="s", nonce="n", code_verifier="v")
    packed = pack_pending(secret, req, "/triage", now=1000.0)
    assert unpack_pending(secret, packed, now=1001.0) == (req, "/triage")
    assert unpack_pending(secret, packed, now=1000.0 + 601) is None  # expired
    assert unpack_pending(b"x" * 32, packed, now=1001.0) is None  # another secret
    body, mac = packed.split(".")
    assert unpack_pending(secret, body[:-2] + "AA." + mac, now=1001.0) is None
    assert unpack_pending(secret, "garbage", now=1001.0) is None
    assert unpack_pending(secret, "", now=1001.0) is None
    # an outside target never survives the round trip
    evil = pack_pending(secret, req, "//evil.example", now=1000.0)
    assert unpack_pending(secret, evil, now=1001.0) == (req, "/")


def test_disabled_by_default(client: TestClient) -> None:
    assert 'id="oidc-login"' not in client.get("/login").text
    r = client.get("/login/oidc", follow_redirects=False)
    assert r.status_code == 404 and "not enabled" in r.text
