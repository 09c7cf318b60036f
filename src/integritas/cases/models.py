"""Operational tables of human review: flags under review, cases, their timeline and outcomes.

Notes, case events and outcomes are append-only: the database refuses UPDATE and DELETE
(triggers in migrations 0002 and 0005) and the ORM refuses them before they reach it. The one
exception is retention's disposal of a closed case (``cases.disposal``), which must first write
a ``CaseDisposal`` record naming the case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base, utcnow

APPEND_ONLY_TABLES = ("case_events", "case_notes", "case_outcomes", "case_disposals")


class ReviewFlag(Base):
    """A live flag handed off by detection; tertiary ones queue for triage, secondary for welfare."""

    __tablename__ = "review_flags"

    flag_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    peer_median: Mapped[float | None] = mapped_column(Float, nullable=True)
    peer_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    peer_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    peer_n: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of {source, batch_id, row_number}
    explanation: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    line_manager_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # open | dismissed | in_case
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    dismissed_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dismissed_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    dismissed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_type: Mapped[str] = mapped_column(String(16), default="officer")  # officer | staff
    investigator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | decided
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    response_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # responded | deadline_passed
    account_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    account_recorded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CaseEvent(Base):
    """One entry of a case's timeline (append-only)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")


class CaseNote(Base):
    """A note; never edited. A correction is a new note naming the one it corrects."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("case_notes.id"), nullable=True)
    # the subject's own response, recorded verbatim (kind "account") or an ordinary note
    kind: Mapped[str] = mapped_column(String(16), default="note")


class CaseOutcome(Base):
    """A decision with written reasons (append-only); the latest one is the case's outcome."""

    __tablename__ = "case_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(48))
    label: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    adverse: Mapped[bool] = mapped_column(Boolean)
    confirms: Mapped[bool] = mapped_column(Boolean)


class CaseDisposal(Base):
    """The record that a closed case was disposed of under retention (append-only).

    It keeps what rule precision needs (outcome, the rules and versions of its flags, dates)
    and never who the case was about. Its existence is what lets the database delete the
    case's append-only rows (triggers in migration 0005).
    """

    __tablename__ = "case_disposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, unique=True)
    case_ref: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(48))
    adverse: Mapped[bool] = mapped_column(Boolean)
    confirms: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    retention_days: Mapped[int] = mapped_column(Integer)
    flags: Mapped[str] = mapped_column(Text)  # JSON list of {rule, version, tier, received_at}
    certificate_id: Mapped[str] = mapped_column(String(64), index=True)
    disposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ImmutableRecord(RuntimeError):
    """An attempt to change or delete an append-only record."""


def _refuse(_mapper: Any, _connection: Any, target: Any) -> None:
    raise ImmutableRecord(
        f"{type(target).__tablename__} rows cannot be changed or deleted; add a new one instead"
    )


for _model in (CaseEvent, CaseNote, CaseOutcome, CaseDisposal):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
