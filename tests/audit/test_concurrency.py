from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from integritas.audit.service import append
from integritas.audit.verify import verify
from integritas.store.session import make_engine, session_factory

WRITERS = 8
EACH = 25


def _write(sessions: sessionmaker[Session], writer: int) -> int:
    for i in range(EACH):
        with sessions.begin() as s:  # one transaction per event, like a web request
            append(
                s, actor=f"w{writer}", role="analyst", action="flag.list", object_id=f"{writer}:{i}"
            )
    return EACH


def _write_in_process(url: str, search_path: str | None, writer: int) -> int:
    kwargs = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    engine = make_engine(url, **kwargs)
    try:
        return _write(session_factory(engine), writer)
    finally:
        engine.dispose()


def _check(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        report = verify(s, key=None)
        ids = set(s.execute(text("SELECT object_id FROM audit_events")).scalars())
    assert report.ok, report.findings[:3]
    assert report.events == WRITERS * EACH
    assert ids == {f"{w}:{i}" for w in range(WRITERS) for i in range(EACH)}


@pytest.mark.slow
def test_threads_append_without_loss(sessions: sessionmaker[Session]) -> None:
    with ThreadPoolExecutor(WRITERS) as pool:
        assert sum(pool.map(lambda w: _write(sessions, w), range(WRITERS))) == WRITERS * EACH
    _check(sessions)


@pytest.mark.slow
def test_processes_append_without_loss(engine: Engine, sessions: sessionmaker[Session]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    search_path = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as con:
            search_path = con.execute(text("SHOW search_path")).scalar()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(WRITERS, mp_context=ctx) as pool:
        done = pool.map(_write_in_process, [url] * WRITERS, [search_path] * WRITERS, range(WRITERS))
        assert sum(done) == WRITERS * EACH
    _check(sessions)
