"""Alembic run programmatically from the migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreNotMigrated(RuntimeError):
    """The database is missing tables or behind the code; ``integritas db upgrade`` fixes it."""


class MigrationStatus(BaseModel):
    url: str
    current: str | None
    head: str
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        return not self.pending


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> MigrationStatus:
    command.upgrade(alembic_config(engine), revision)
    return status(engine)


def status(engine: Engine) -> MigrationStatus:
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head() or ""
    with engine.connect() as con:
        current = MigrationContext.configure(con).get_current_revision()
    pending = [
        rev.revision
        for rev in script.iterate_revisions(head, current or "base")
        if rev.revision != current
    ]
    pending.reverse()
    return MigrationStatus(
        url=engine.url.render_as_string(hide_password=True),
        current=current,
        head=head,
        pending=pending,
    )


def require_current(engine: Engine) -> None:
    st = status(engine)
    if not st.up_to_date:
        where = "not migrated" if st.current is None else f"at {st.current}, code needs {st.head}"
        raise StoreNotMigrated(f"database {st.url} is {where}: run `integritas db upgrade` first")
