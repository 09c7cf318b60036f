"""Read models crossing the service boundary: the CLI, the JSON API and the web pages share them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

SortKey = Literal["received_at", "severity", "rule", "value", "period_end", "person_id"]


class QueueFilter(BaseModel):
    rule: str | None = None
    unit: str | None = None
    severity: Literal["low", "medium", "high"] | None = None
    min_age_days: int | None = Field(default=None, ge=0)
    max_age_days: int | None = Field(default=None, ge=0)
    sort: SortKey = "received_at"
    descending: bool = True
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=500)


class FlagView(BaseModel):
    flag_id: str
    person_id: str
    rule: str
    rule_version: int
    tier: str
    severity: str
    unit_id: str | None
    period_start: date
    period_end: date
    metric: str
    value: float
    peer_median: float | None
    peer_low: float | None
    peer_high: float | None
    peer_n: int | None
    explanation: str
    status: str
    received_at: datetime
    age_days: int
    case_ref: str | None = None
    dismissed_reason: str | None = None


class QueuePage(BaseModel):
    items: list[FlagView]
    total: int
    page: int
    page_size: int


class EvidenceRef(BaseModel):
    source: str
    batch_id: str
    row_number: int


class FlagEvidence(BaseModel):
    flag_id: str
    rule: str
    explanation: str
    refs: list[EvidenceRef]
    rows: list[dict[str, object]] = []


class EventView(BaseModel):
    id: int | None  # None for unmask entries, which live in access's own table
    at: datetime
    kind: str
    actor: str
    detail: str


class NoteView(BaseModel):
    id: int
    at: datetime
    author: str
    kind: str
    text: str
    corrects_id: int | None
    corrected_by: list[int] = []


class OutcomeView(BaseModel):
    id: int
    outcome: str
    label: str
    reasons: str
    decided_by: str
    decided_at: datetime
    adverse: bool


class CaseSummary(BaseModel):
    ref: str
    person_id: str
    staff_type: str
    investigator: str
    status: str
    restricted: bool
    opened_at: datetime
    flag_ids: list[str]


class CaseDetail(CaseSummary):
    notified_at: datetime | None
    response_deadline: datetime | None
    account_status: str | None
    account_recorded_at: datetime | None
    appeal_pending: bool
    flags: list[FlagView]
    events: list[EventView]
    notes: list[NoteView]
    outcomes: list[OutcomeView]


class Letter(BaseModel):
    kind: str
    case_ref: str
    html: str
    pdf_path: str | None = None
