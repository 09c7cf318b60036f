"""OpenID Connect sign-in (authorization-code flow with PKCE), behind ``OIDCSettings.enabled``.

1. ``begin_login`` builds the provider URL and the values the caller keeps server-side
   (state, nonce, PKCE verifier) until the browser comes back.
2. ``complete_login`` checks the returned ``state``, exchanges the code for tokens (the
   HTTP call is injectable; the default uses urllib), verifies the ID token against the
   configured JWKS file (RS256 signature, issuer, audience, expiry, issue time, nonce) and
   opens a server-side session for the account linked to the token's ``sub``.

Deny by default: a subject with no linked, active account cannot sign in
(``integritas users add NAME --role R --oidc-subject SUB`` links one). Every failure is
an audit event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.jwt import RSAPublicKey, TokenInvalid, b64url_encode, decode_verified
from integritas.access.jwt import load_jwks as _load_jwks
from integritas.access.models import User
from integritas.access.settings import AccessSettings, OIDCSettings
from integritas.access.users import AccessError, LoginFailed, NewSession, open_session
from integritas.audit.events import AUTH_LOGIN_FAILED
from integritas.audit.service import append

# (url, form fields) -> parsed JSON response of the token endpoint
TokenPoster = Callable[[str, dict[str, str]], dict[str, Any]]


class OIDCError(AccessError):
    """The OIDC sign-in cannot go on; the message says why (never echoes a token)."""


class AuthRequest(BaseModel):
    """Kept server-side (e.g. in a signed, short-lived cookie) between the two legs."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class IDClaims(BaseModel):
    issuer: str
    subject: str
    audience: list[str]
    expires_at: datetime
    issued_at: datetime
    name: str = ""
    email: str = ""


def _require_enabled(cfg: OIDCSettings) -> None:
    if not cfg.enabled:
        raise OIDCError("OIDC sign-in is not enabled (INTEGRITAS_OIDC_ENABLED)")
    missing = [
        name
        for name in ("issuer", "client_id", "authorization_endpoint", "token_endpoint")
        if not getattr(cfg, name)
    ] + (["redirect_uri"] if not cfg.redirect_uri else [])
    if cfg.jwks_file is None:
        missing.append("jwks_file")
    if missing:
        raise OIDCError(f"OIDC settings missing: {', '.join(missing)}")
    plain = [
        name
        for name in ("issuer", "authorization_endpoint", "token_endpoint")
        if not _secure_url(getattr(cfg, name))
    ]
    if plain:
        raise OIDCError(f"OIDC settings must be https URLs: {', '.join(plain)}")


def _secure_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


def begin_login(cfg: OIDCSettings) -> AuthRequest:
    """The provider's authorization URL, with fresh state, nonce and PKCE challenge."""
    _require_enabled(cfg)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": cfg.client_id,
            "redirect_uri": cfg.redirect_uri,
            "scope": cfg.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    sep = "&" if "?" in cfg.authorization_endpoint else "?"
    return AuthRequest(
        url=f"{cfg.authorization_endpoint}{sep}{query}",
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )


def check_state(expected: str, received: str | None) -> None:
    """The ``state`` the provider echoed must be the one we sent (CSRF on the callback)."""
    if not expected or not received or not hmac.compare_digest(expected, received):
        raise OIDCError("state does not match the sign-in that was started")


def token_form(cfg: OIDCSettings, *, code: str, code_verifier: str) -> dict[str, str]:
    """The form body of the code-for-tokens request."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": cfg.redirect_uri,
        "client_id": cfg.client_id,
        "code_verifier": code_verifier,
    }
    if cfg.client_secret:
        form["client_secret"] = cfg.client_secret
    return form


def _urllib_post(url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST the form; a provider's error answer (4xx with a JSON body) is returned, not raised."""
    body = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        if not 400 <= exc.code < 500:
            raise
    try:
        data = json.loads(raw)
    except ValueError:
        return {"error": "the token endpoint did not answer with JSON"}
    return data if isinstance(data, dict) else {}


def _ts(claims: dict[str, Any], name: str) -> datetime:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TokenInvalid(f"claim {name!r} missing or not a number")
    return datetime.fromtimestamp(value, UTC)


def verify_id_token(
    token: str,
    *,
    cfg: OIDCSettings,
    keys: dict[str, RSAPublicKey],
    nonce: str,
    now: datetime | None = None,
) -> IDClaims:
    """Signature and claims (OIDC Core 3.1.3.7); raises TokenInvalid naming the failed check."""
    claims = decode_verified(token, keys)
    at = now or datetime.now(UTC)
    leeway = cfg.leeway_seconds
    if claims.get("iss") != cfg.issuer:
        raise TokenInvalid(f"issuer {claims.get('iss')!r} is not {cfg.issuer!r}")
    aud = claims.get("aud")
    audience = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if cfg.client_id not in audience:
        raise TokenInvalid("audience does not include this client")
    if len(audience) > 1 and claims.get("azp") != cfg.client_id:
        raise TokenInvalid("several audiences but azp is not this client")
    expires, issued = _ts(claims, "exp"), _ts(claims, "iat")
    if (at - expires).total_seconds() > leeway:
        raise TokenInvalid("token expired")
    if (issued - at).total_seconds() > leeway:
        raise TokenInvalid("token issued in the future")
    if (at - issued).total_seconds() > cfg.max_token_age_minutes * 60 + leeway:
        raise TokenInvalid("token too old for a fresh sign-in")
    got_nonce = claims.get("nonce")
    if not isinstance(got_nonce, str) or not hmac.compare_digest(got_nonce, nonce):
        raise TokenInvalid("nonce does not match the sign-in that was started")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenInvalid("no subject")
    return IDClaims(
        issuer=cfg.issuer,
        subject=sub,
        audience=[str(a) for a in audience],
        expires_at=expires,
        issued_at=issued,
        name=str(claims.get("name", "")),
        email=str(claims.get("email", "")),
    )


def load_jwks(cfg: OIDCSettings) -> dict[str, RSAPublicKey]:
    _require_enabled(cfg)
    assert cfg.jwks_file is not None
    return _load_jwks(cfg.jwks_file)


def complete_login(
    session: Session,
    *,
    cfg: OIDCSettings,
    pending: AuthRequest,
    state: str | None,
    code: str | None,
    keys: dict[str, RSAPublicKey] | None = None,
    post: TokenPoster | None = None,
    access: AccessSettings | None = None,
    now: datetime | None = None,
) -> NewSession:
    """Finish the flow and open a session; every refusal is audited, then raised.

    As with password sign-in, the caller commits even when this raises.
    """

    def fail(reason: str, actor: str = "oidc") -> OIDCError:
        append(
            session,
            actor=actor,
            role="",
            action=AUTH_LOGIN_FAILED.name,
            outcome="failed",
            detail=f"oidc: {reason}",
        )
        return OIDCError(f"sign-in failed: {reason}")

    _require_enabled(cfg)
    try:
        check_state(pending.state, state)
    except OIDCError as exc:
        raise fail(str(exc)) from None
    if not code:
        raise fail("no authorization code returned")
    try:
        response = (post or _urllib_post)(
            cfg.token_endpoint, token_form(cfg, code=code, code_verifier=pending.code_verifier)
        )
    except OSError as exc:
        raise fail(f"token endpoint unreachable ({type(exc).__name__})") from None
    if "error" in response:
        raise fail(f"the provider refused the code ({str(response['error'])[:100]})")
    token = response.get("id_token")
    if not isinstance(token, str):
        raise fail("token response has no id_token")
    try:
        claims = verify_id_token(
            token, cfg=cfg, keys=keys or load_jwks(cfg), nonce=pending.nonce, now=now
        )
    except TokenInvalid as exc:
        raise fail(f"ID token refused: {exc}") from None
    user = session.scalar(select(User).where(User.oidc_subject == claims.subject))
    if user is None or not user.active:
        raise fail("no active account is linked to this subject", actor=f"oidc:{claims.subject}")
    return open_session(
        session, user, settings=access, now=now.replace(tzinfo=None) if now else None
    )


__all__ = [
    "AuthRequest",
    "IDClaims",
    "LoginFailed",
    "OIDCError",
    "begin_login",
    "check_state",
    "complete_login",
    "token_form",
    "verify_id_token",
]
