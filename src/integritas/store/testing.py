"""Helpers for tests of any package: a migrated throwaway store on SQLite or PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from integritas.store.migrate import upgrade
from integritas.store.session import make_engine

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_unavailable(url: str = POSTGRES_URL) -> str | None:
    """None when PostgreSQL answers at ``url``, else the reason to skip."""
    try:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=2):
            return None
    except Exception as exc:  # any failure means "skip", with the reason shown
        return f"PostgreSQL at {url} does not answer: {type(exc).__name__}: {exc}"


@contextmanager
def temporary_store(backend: str, tmp: Path, *, migrate: bool = True) -> Iterator[Engine]:
    """A migrated database: a SQLite file under ``tmp`` or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / 'store.db'}")
        if migrate:
            upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
