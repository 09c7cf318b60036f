"""One transaction for a CLI command, with a clear message on an unmigrated database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session


@contextmanager
def cli_transaction() -> Iterator[Session]:
    from integritas.cli import State
    from integritas.store.migrate import StoreNotMigrated
    from integritas.store.session import workspace_sessions

    try:
        factory = workspace_sessions(State.workspace())
    except StoreNotMigrated as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    with factory.begin() as session:
        yield session
