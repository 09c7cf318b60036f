"""Accounts, argon2 passwords, lockout and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.models import LoginSession, User
from integritas.access.roles import role as lookup_role
from integritas.access.settings import AccessSettings
from integritas.audit.events import (
    AUTH_LOCKED,
    AUTH_LOGIN,
    AUTH_LOGIN_FAILED,
    AUTH_LOGOUT,
    USER_CREATED,
    USER_DISABLED,
)
from integritas.audit.service import append
from integritas.settings import WebSettings
from integritas.store.base import utcnow

_hasher = PasswordHasher()


class AccessError(ValueError):
    """A request that cannot be honoured (bad input, unknown user…); message says why."""


class LoginFailed(AccessError):
    pass


class UserView(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: str | None
    person_id: str | None
    active: bool
    locked: bool
    password: bool = False  # may sign in with a password
    sso: bool = False  # linked to an OIDC subject


class NewSession(BaseModel):
    token: str  # give to the client once; only its hash is stored
    user_id: int
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str | None,
    unit_id: str | None = None,
    person_id: str | None = None,
    display_name: str = "",
    actor: str = "system",
    oidc_subject: str | None = None,
) -> User:
    """A new account: a password (argon2-hashed), an OIDC subject, or both."""
    problems = []
    if not username.strip():
        problems.append("username is empty")
    try:
        lookup_role(role)
    except KeyError as exc:
        problems.append(str(exc.args[0]))
    if password is not None and len(password) < 12:
        problems.append("password shorter than 12 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(f"user {username!r} already exists")
    if password is None and not oidc_subject:
        problems.append("give a password or an OIDC subject")
    if oidc_subject and session.scalar(select(User.id).where(User.oidc_subject == oidc_subject)):
        problems.append(f"OIDC subject {oidc_subject!r} is already linked to an account")
    if problems:
        raise AccessError("; ".join(problems))
    user = User(
        username=username,
        role=role,
        unit_id=unit_id,
        person_id=person_id,
        display_name=display_name or username,
        password_hash=_hasher.hash(password) if password is not None else None,
        oidc_subject=oidc_subject or None,
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    append(
        session,
        actor=actor,
        role="",
        action=USER_CREATED.name,
        object_type="user",
        object_id=username,
        detail=f"role={role}",
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccessError(f"no user {username!r}")
    return user


def disable_user(session: Session, *, username: str, actor: str = "system") -> User:
    user = get_user(session, username)
    user.active = False
    for s in session.scalars(
        select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
        )
    ):
        s.revoked_at = utcnow()
    append(
        session,
        actor=actor,
        role="",
        action=USER_DISABLED.name,
        object_type="user",
        object_id=username,
    )
    return user


def list_users(session: Session) -> list[UserView]:
    now = utcnow()
    return [
        UserView(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            unit_id=u.unit_id,
            person_id=u.person_id,
            active=u.active,
            locked=bool(u.locked_until and u.locked_until > now),
            password=u.password_hash is not None,
            sso=u.oidc_subject is not None,
        )
        for u in session.scalars(select(User).order_by(User.username))
    ]


def login(
    session: Session,
    *,
    username: str,
    password: str,
    settings: AccessSettings | None = None,
    web: WebSettings | None = None,
    now: datetime | None = None,
) -> NewSession:
    """Check a password and open a session; failures count towards a lockout.

    The caller must commit even when this raises, so that the failure and its audit event stay.
    """
    cfg = settings or AccessSettings()
    at = now or utcnow()
    user = session.scalar(select(User).where(User.username == username))

    def fail(reason: str) -> LoginFailed:
        append(
            session,
            actor=username,
            role=user.role if user else "",
            action=AUTH_LOGIN_FAILED.name,
            outcome="failed",
            detail=reason,
        )
        return LoginFailed("sign-in failed")  # same message whatever the reason

    if user is None or not user.active or user.password_hash is None:
        raise fail("unknown, disabled or password-less account")
    if user.locked_until and user.locked_until > at:
        raise fail("account locked")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= cfg.max_failed_logins:
            user.locked_until = at + timedelta(minutes=cfg.lockout_minutes)
            user.failed_logins = 0
            append(
                session,
                actor=username,
                role=user.role,
                action=AUTH_LOCKED.name,
                outcome="denied",
                object_type="user",
                object_id=username,
            )
        raise fail("wrong password") from None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return open_session(session, user, settings=cfg, web=web, now=at)


def open_session(
    session: Session,
    user: User,
    *,
    settings: AccessSettings | None = None,
    web: WebSettings | None = None,
    now: datetime | None = None,
) -> NewSession:
    """A session for an already-authenticated user (password or OIDC)."""
    cfg = settings or AccessSettings()
    at = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = at + timedelta(hours=cfg.session_max_hours)
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=at,
            last_seen=at,
            expires_at=expires,
        )
    )
    session.flush()
    append(session, actor=user.username, role=user.role, action=AUTH_LOGIN.name)
    return NewSession(token=token, user_id=user.id, expires_at=expires)


def session_user(
    session: Session,
    token: str,
    *,
    web: WebSettings | None = None,
    now: datetime | None = None,
) -> User | None:
    """The user of a live session (and touch it), or None if unknown, revoked, idle or expired."""
    at = now or utcnow()
    idle = timedelta(minutes=(web or WebSettings()).session_minutes)
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= at:
        return None
    if at - row.last_seen > idle:
        row.revoked_at = at
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_seen = at
    return user


def revoke_session(session: Session, token: str) -> bool:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    user = session.get(User, row.user_id)
    append(
        session,
        actor=user.username if user else "",
        role=user.role if user else "",
        action=AUTH_LOGOUT.name,
    )
    return True
