"""Audit tables: the hash-chained events, the chain head and signed checkpoints.

Rows of ``audit_events`` and ``audit_checkpoints`` are never updated or deleted: the ORM
refuses here, and the database refuses with triggers created by the migration.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from integritas.store.base import Base

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))  # ISO-8601 UTC, hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(100), default="")
    grant_id: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    subjects: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of pseudonyms
    detail: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row: the last sequence number and hash; locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))


class AuditTamperRefused(RuntimeError):
    """Raised when code tries to update or delete an audit row."""


def _refuse(_mapper: Any, _con: Any, target: Any) -> None:
    raise AuditTamperRefused(f"{type(target).__name__} rows are append-only")


for _cls in (AuditEvent, AuditCheckpoint):
    event.listen(_cls, "before_update", _refuse)
    event.listen(_cls, "before_delete", _refuse)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: Any) -> None:
    if not (state.is_update or state.is_delete):
        return
    tables = {m.local_table.name for m in state.all_mappers}
    target = getattr(state.statement, "table", None)  # Core update(table) / delete(table)
    tables.add(str(getattr(target, "name", "")))
    if tables & {"audit_events", "audit_checkpoints"}:
        raise AuditTamperRefused("audit rows are append-only: bulk UPDATE/DELETE refused")
