"""Operational-store table for clerical review decisions on linkage candidates.

Table ``linkage_review_decisions`` (append-only; the latest row per candidate wins, so a
reviewer's change of mind is itself on the record):
id (int pk), candidate_id (str 19, indexed), registry (str 100), person_id (str 64),
record_id (str 200), run_id (str 64), match_probability (float), decision ('accepted' |
'rejected'), reason (text, not empty), reviewer (str 200), reviewer_role (str 100),
decided_at (timezone-aware datetime).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base


class ReviewDecision(Base):
    """One reviewer's accept/reject of one candidate match, with the reason."""

    __tablename__ = "linkage_review_decisions"
    __table_args__ = (Index("ix_linkage_review_candidate", "candidate_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    candidate_id: Mapped[str] = mapped_column(String(19), nullable=False)
    # "registry" is reserved on declarative classes; the column keeps the plain name.
    registry_name: Mapped[str] = mapped_column("registry", String(100), nullable=False)
    person_id: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(String(200), nullable=False)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False)
    match_probability: Mapped[float] = mapped_column(Float, nullable=False)
    decision: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    reviewer: Mapped[str] = mapped_column(String(200), nullable=False)
    reviewer_role: Mapped[str] = mapped_column(String(100), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
