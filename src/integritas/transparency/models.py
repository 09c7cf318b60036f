"""DPO sign-offs and activations recorded by the activation gate (operational store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base, utcnow


class SignOff(Base):
    """A named DPO's sign-off of one item (source, metric or rule) at one DPIA content hash."""

    __tablename__ = "governance_signoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))
    item_name: Mapped[str] = mapped_column(String(100), index=True)
    item_version: Mapped[str] = mapped_column(String(32), default="")
    signed_by: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Activation(Base):
    """An item that passed the gate and went live."""

    __tablename__ = "governance_activations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))
    item_name: Mapped[str] = mapped_column(String(100), index=True)
    item_version: Mapped[str] = mapped_column(String(32), default="")
    activated_by: Mapped[str] = mapped_column(String(200))
    activated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    suspended_reason: Mapped[str] = mapped_column(Text, default="")
