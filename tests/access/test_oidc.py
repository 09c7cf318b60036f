"""OIDC authorization-code flow without a network: a provider key made here, a JWKS file,
tokens signed here, and a fake token endpoint."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.jwt import (
    JWKSError,
    RSAPublicKey,
    TokenInvalid,
    b64url_encode,
    decode_verified,
    load_jwks,
)
from integritas.access.oidc import (
    AuthRequest,
    OIDCError,
    begin_login,
    check_state,
    complete_login,
    verify_id_token,
)
from integritas.access.settings import OIDCSettings
from integritas.access.testing import SigningKey
from integritas.access.users import add_user, session_user
from integritas.audit.models import AuditEvent

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def idp() -> SigningKey:
    return SigningKey("key-1", seed=1)


@pytest.fixture(scope="module")
def other_idp() -> SigningKey:
    return SigningKey("key-1", seed=2)  # same kid, different key: a forger


@pytest.fixture
def cfg(idp: SigningKey, tmp_path: Path) -> OIDCSettings:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "EC", "kid": "ignored"}, idp.jwk()]}))
    return OIDCSettings(
        enabled=True,
        issuer="https://idp.example.test",
        client_id="integritas",
        client_secret="s3cret",
        authorization_endpoint="https://idp.example.test/authorize",
        token_endpoint="https://idp.example.test/token",
        redirect_uri="https://integritas.example.test/auth/callback",
        jwks_file=jwks,
    )


def claims(cfg: OIDCSettings, sent_nonce: str, **over: Any) -> dict[str, Any]:
    base = {
        "iss": cfg.issuer,
        "aud": cfg.client_id,
        "sub": "sub-123",
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        "iat": int((NOW - timedelta(seconds=10)).timestamp()),
        "nonce": sent_nonce,
        "name": "A. Reviewer",
    }
    return base | over


def test_disabled_by_default_and_settings_checked(cfg: OIDCSettings) -> None:
    with pytest.raises(OIDCError, match="not enabled"):
        begin_login(OIDCSettings())
    with pytest.raises(OIDCError, match=r"missing: .*token_endpoint.*jwks_file"):
        begin_login(OIDCSettings(enabled=True, issuer="https://x", client_id="c"))
    plain = cfg.model_copy(update={"token_endpoint": "http://idp.example.test/token"})
    with pytest.raises(OIDCError, match="https URLs: token_endpoint"):
        begin_login(plain)


def test_authorization_url_carries_state_nonce_and_pkce(cfg: OIDCSettings) -> None:
    req = begin_login(cfg)
    url = urllib.parse.urlsplit(req.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == cfg.authorization_endpoint
    q = dict(urllib.parse.parse_qsl(url.query))
    assert q["response_type"] == "code" and q["client_id"] == "integritas"
    assert q["redirect_uri"] == cfg.redirect_uri and "openid" in q["scope"].split()
    assert q["state"] == req.state and q["nonce"] == req.nonce
    assert q["code_challenge_method"] == "S256"
    expected = b64url_encode(hashlib.sha256(req.code_verifier.encode()).digest())
    assert q["code_challenge"] == expected
    assert begin_login(cfg).state != req.state  # fresh every time


def test_state_must_match() -> None:
    check_state("abc", "abc")
    for bad in ("abd", "", None):
        with pytest.raises(OIDCError, match="state"):
            check_state("abc", bad)


def test_valid_token_verifies(cfg: OIDCSettings, idp: SigningKey) -> None:
    keys = load_jwks(cfg.jwks_file)  # type: ignore[arg-type]
    assert list(keys) == ["key-1"] and keys["key-1"].bits == 2048
    got = verify_id_token(idp.sign(claims(cfg, "n1")), cfg=cfg, keys=keys, nonce="n1", now=NOW)
    assert got.subject == "sub-123" and got.audience == ["integritas"] and got.name == "A. Reviewer"


BAD_CLAIMS: list[tuple[dict[str, Any], str]] = [
    ({"iss": "https://evil.test"}, "issuer"),
    ({"aud": "someone-else"}, "audience"),
    ({"aud": ["integritas", "other"]}, "azp"),
    ({"exp": int((NOW - timedelta(minutes=5)).timestamp())}, "expired"),
    ({"iat": int((NOW + timedelta(minutes=5)).timestamp())}, "future"),
    ({"iat": int((NOW - timedelta(hours=2)).timestamp())}, "too old"),
    ({"nonce": "replayed"}, "nonce"),
    ({"sub": ""}, "subject"),
    ({"exp": "tomorrow"}, "exp"),
]


@pytest.mark.parametrize(("override", "reason"), BAD_CLAIMS)
def test_bad_claims_are_refused(
    cfg: OIDCSettings, idp: SigningKey, override: dict[str, Any], reason: str
) -> None:
    keys = load_jwks(cfg.jwks_file)  # type: ignore[arg-type]
    token = idp.sign(claims(cfg, "n1", **override))
    with pytest.raises(TokenInvalid, match=reason):
        verify_id_token(token, cfg=cfg, keys=keys, nonce="n1", now=NOW)


def _tamper_payload(token: str) -> str:
    h, _p, s = token.split(".")
    forged = b64url_encode(json.dumps({"sub": "admin"}).encode())
    return f"{h}.{forged}.{s}"


def _alg_none(token: str) -> str:
    _h, p, _s = token.split(".")
    return b64url_encode(json.dumps({"alg": "none"}).encode()) + f".{p}."


def _alg_hs256(token: str) -> str:
    _h, p, s = token.split(".")
    return b64url_encode(json.dumps({"alg": "HS256", "kid": "key-1"}).encode()) + f".{p}.{s}"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (_tamper_payload, "signature"),
        (_alg_none, "algorithm 'none' refused"),
        (_alg_hs256, "algorithm 'HS256' refused"),
        (lambda t: t.rsplit(".", 1)[0], "three"),
        (lambda t: "a.b.c", "base64url"),
    ],
)
def test_forged_tokens_are_refused(
    cfg: OIDCSettings, idp: SigningKey, mangle: Callable[[str], str], reason: str
) -> None:
    keys = load_jwks(cfg.jwks_file)  # type: ignore[arg-type]
    with pytest.raises(TokenInvalid, match=reason):
        decode_verified(mangle(idp.sign(claims(cfg, "n1"))), keys)


def test_token_from_another_key_is_refused(
    cfg: OIDCSettings, other_idp: SigningKey, idp: SigningKey
) -> None:
    keys = load_jwks(cfg.jwks_file)  # type: ignore[arg-type]
    with pytest.raises(TokenInvalid, match="signature does not verify"):
        decode_verified(other_idp.sign(claims(cfg, "n1")), keys)
    unknown = idp.sign(claims(cfg, "n1"), header={"alg": "RS256", "kid": "rotated-out"})
    with pytest.raises(TokenInvalid, match="no configured key"):
        decode_verified(unknown, keys)


def test_jwks_file_problems_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "jwks.json"
    bad.write_text("{not json")
    with pytest.raises(JWKSError, match=r"jwks\.json: not a readable"):
        load_jwks(bad)
    small = RSAPublicKey(kid="k", n=(1 << 1023) + 1, e=65537)
    bad.write_text(
        json.dumps(
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "kid": "weak",
                        "n": b64url_encode(small.n.to_bytes(128, "big")),
                        "e": "AQAB",
                    }
                ]
            }
        )
    )
    with pytest.raises(JWKSError, match="key weak: 1024-bit RSA"):
        load_jwks(bad)
    bad.write_text(json.dumps({"keys": []}))
    with pytest.raises(JWKSError, match="no RSA signing keys"):
        load_jwks(bad)


def _flow(
    sessions: sessionmaker[Session], cfg: OIDCSettings, idp: SigningKey, **claim_over: Any
) -> tuple[AuthRequest, Callable[[str, dict[str, str]], dict[str, Any]], list[dict[str, str]]]:
    req = begin_login(cfg)
    seen: list[dict[str, str]] = []

    def post(url: str, form: dict[str, str]) -> dict[str, Any]:
        assert url == cfg.token_endpoint
        seen.append(form)
        return {"id_token": idp.sign(claims(cfg, req.nonce, **claim_over)), "token_type": "Bearer"}

    return req, post, seen


def test_complete_login_opens_a_session_for_the_linked_account(
    sessions: sessionmaker[Session], cfg: OIDCSettings, idp: SigningKey
) -> None:
    with sessions.begin() as s:
        add_user(s, username="rev", role="analyst", password=None, oidc_subject="sub-123")
    req, post, seen = _flow(sessions, cfg, idp)
    with sessions.begin() as s:
        new = complete_login(
            s, cfg=cfg, pending=req, state=req.state, code="the-code", post=post, now=NOW
        )
    assert seen == [
        {
            "grant_type": "authorization_code",
            "code": "the-code",
            "redirect_uri": cfg.redirect_uri,
            "client_id": "integritas",
            "code_verifier": req.code_verifier,
            "client_secret": "s3cret",
        }
    ]
    with sessions.begin() as s:
        user = session_user(s, new.token, now=NOW.replace(tzinfo=None) + timedelta(minutes=1))
        assert user is not None and user.username == "rev"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("state", "state does not match"),
        ("code", "no authorization code"),
        ("unlinked", "no active account"),
        ("disabled", "no active account"),
        ("nonce", "nonce"),
    ],
)
def test_refused_sign_ins_are_audited(
    sessions: sessionmaker[Session], cfg: OIDCSettings, idp: SigningKey, case: str, reason: str
) -> None:
    from integritas.access.users import disable_user

    with sessions.begin() as s:
        add_user(s, username="rev", role="analyst", password=None, oidc_subject="sub-123")
        if case == "disabled":
            disable_user(s, username="rev")
    req, post, _ = _flow(
        sessions,
        cfg,
        idp,
        **({"sub": "sub-999"} if case == "unlinked" else {}),
        **({"nonce": "other"} if case == "nonce" else {}),
    )
    with sessions() as s:
        with pytest.raises(OIDCError, match=reason):
            complete_login(
                s,
                cfg=cfg,
                pending=req,
                state="forged" if case == "state" else req.state,
                code="" if case == "code" else "c",
                post=post,
                now=NOW,
            )
        s.commit()
    with sessions() as s:
        failed = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")))
        logins = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")))
    assert len(failed) == 1 and reason in failed[0].detail and logins == []


def test_add_user_needs_a_password_or_a_subject(sessions: sessionmaker[Session]) -> None:
    from integritas.access.users import AccessError

    with sessions.begin() as s:
        with pytest.raises(AccessError, match="password or an OIDC subject"):
            add_user(s, username="x", role="analyst", password=None)
        add_user(s, username="a", role="analyst", password=None, oidc_subject="s1")
        with pytest.raises(AccessError, match="already linked"):
            add_user(s, username="b", role="analyst", password=None, oidc_subject="s1")
