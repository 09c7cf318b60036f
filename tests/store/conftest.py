from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from integritas.store.session import session_factory
from integritas.store.testing import postgres_unavailable, temporary_store

_PG_SKIP: list[str | None] = []


def _pg_reason() -> str | None:
    if not _PG_SKIP:
        _PG_SKIP.append(postgres_unavailable())
    return _PG_SKIP[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and (reason := _pg_reason()):
        pytest.skip(reason)
    return str(request.param)


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    with temporary_store(backend, tmp_path) as eng:
        yield eng


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
