from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.models import LoginSession
from integritas.access.settings import AccessSettings
from integritas.access.users import (
    AccessError,
    LoginFailed,
    add_user,
    disable_user,
    list_users,
    login,
    revoke_session,
    session_user,
)
from integritas.audit.models import AuditEvent
from integritas.settings import WebSettings
from integritas.store.base import utcnow

PW = "correct horse battery"


def alice(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        add_user(s, username="alice", role="analyst", password=PW)


def test_add_user_validates_everything_at_once(sessions: sessionmaker[Session]) -> None:
    alice(sessions)
    with sessions() as s, pytest.raises(AccessError) as err:
        add_user(s, username="alice", role="wizard", password="short")
    msg = str(err.value)
    assert "wizard" in msg and "12 characters" in msg and "already exists" in msg


def test_password_is_hashed_with_argon2(sessions: sessionmaker[Session]) -> None:
    alice(sessions)
    with sessions() as s:
        from integritas.access.users import get_user

        h = get_user(s, "alice").password_hash
    assert h is not None and h.startswith("$argon2id$") and PW not in h


def test_login_and_session_lifecycle(sessions: sessionmaker[Session]) -> None:
    alice(sessions)
    with sessions.begin() as s:
        new = login(s, username="alice", password=PW)
        stored = s.scalars(select(LoginSession.token_hash)).one()
        assert new.token not in stored  # only a hash is stored
    web = WebSettings(session_minutes=30)
    with sessions.begin() as s:
        u = session_user(s, new.token, web=web)
        assert u is not None and u.username == "alice"
        idle = utcnow() + timedelta(minutes=31)
        assert session_user(s, new.token, web=web, now=idle) is None  # idle timeout
        assert session_user(s, new.token, web=web) is None  # and it stays dead
    with sessions.begin() as s:
        second = login(s, username="alice", password=PW)
        assert revoke_session(s, second.token)
        assert session_user(s, second.token) is None
        third = login(s, username="alice", password=PW)
        assert session_user(s, third.token, now=utcnow() + timedelta(hours=13)) is None


def test_lockout_after_repeated_failures(sessions: sessionmaker[Session]) -> None:
    alice(sessions)
    cfg = AccessSettings(max_failed_logins=3, lockout_minutes=10)
    for _ in range(3):
        with sessions() as s:
            with pytest.raises(LoginFailed):
                login(s, username="alice", password="wrong password!!", settings=cfg)
            s.commit()
    with sessions() as s:
        with pytest.raises(LoginFailed):  # right password, but locked
            login(s, username="alice", password=PW, settings=cfg)
        s.commit()
        assert [u.locked for u in list_users(s)] == [True]
        later = utcnow() + timedelta(minutes=11)
        assert login(s, username="alice", password=PW, settings=cfg, now=later).token
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions.count("auth.login_failed") == 4 and "auth.locked" in actions


def test_disable_revokes_sessions(sessions: sessionmaker[Session]) -> None:
    alice(sessions)
    with sessions.begin() as s:
        new = login(s, username="alice", password=PW)
        disable_user(s, username="alice")
        assert session_user(s, new.token) is None
        with pytest.raises(LoginFailed):
            login(s, username="alice", password=PW)
