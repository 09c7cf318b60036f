"""Engines and sessions for the operational store (SQLite file or PostgreSQL by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from integritas.settings import Workspace

SQLITE_BUSY_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the pragmas the store relies on.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE``: the write lock is taken up
    front, so two writers appending to the audit chain queue on the busy timeout instead of
    one failing later with a stale snapshot.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con: Any, _record: Any) -> None:
            dbapi_con.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(con: Any) -> None:
            con.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def workspace_engine(ws: Workspace, *, check: bool = True) -> Engine:
    """The workspace's engine; with ``check`` refuses a database that is not fully migrated."""
    engine = make_engine(ws.database_url)
    if check:
        from integritas.store.migrate import require_current

        require_current(engine)
    return engine


def workspace_sessions(ws: Workspace, *, check: bool = True) -> sessionmaker[Session]:
    """Sessions for the app and CLI; refuses (StoreNotMigrated) an out-of-date database.

    Each session carries the workspace's audit checkpoint key (``<home>/keys/audit.key``,
    outside the database), so the audit chain signs a checkpoint every
    ``audit.service.CHECKPOINT_EVERY`` events without callers passing the key.
    """
    from integritas.audit.keys import load_or_create_key
    from integritas.audit.service import CHECKPOINT_KEY_INFO

    engine = workspace_engine(ws, check=check)
    return sessionmaker(
        engine, expire_on_commit=False, info={CHECKPOINT_KEY_INFO: load_or_create_key(ws)}
    )
