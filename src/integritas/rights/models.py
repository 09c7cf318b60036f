"""Disputed records and objections to processing (operational store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base, utcnow


class Dispute(Base):
    """One curated record a person or analyst says is wrong; excluded from metrics while open."""

    __tablename__ = "rights_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    batch_id: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    reason: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|corrected|rejected
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    notify: Mapped[str] = mapped_column(Text, default="[]")  # JSON: who saw the old value


class Objection(Base):
    """A person's objection to one metric: processing paused until a decision is recorded."""

    __tablename__ = "rights_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    metric: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|upheld|rejected
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
