"""Alembic environment: the engine comes from ``config.attributes`` (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from integritas.store.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
