"""Disposal certificates in the operational store (what, how many, why, when; never the data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integritas.store.base import Base, utcnow


class DisposalCertificate(Base):
    __tablename__ = "retention_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))
    rows_disposed: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the certificate as JSON (counts and reasons only)
    sha256: Mapped[str] = mapped_column(String(64))
