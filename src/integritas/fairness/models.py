"""Fairness checks and justifications (operational store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base, utcnow


class FairnessCheck(Base):
    """The result of one fairness report for one rule version (pass: no unjustified disparity)."""

    __tablename__ = "fairness_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    findings: Mapped[str] = mapped_column(Text, default="[]")  # JSON: failing group comparisons
    run_by: Mapped[str] = mapped_column(String(200))
    run_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Justification(Base):
    """A documented justification for an adverse impact found in one dimension for one rule."""

    __tablename__ = "fairness_justifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(64))
    group_value: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
