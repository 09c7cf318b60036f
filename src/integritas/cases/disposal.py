"""Disposal of closed cases under retention: which are due, and the one way to delete them.

A case is *closed* when it has an outcome and no appeal pending; its clock runs from its last
activity (the latest outcome or timeline event). When its outcome's retention period has
passed, retention disposes of it: a ``CaseDisposal`` record is written first (outcome, the
rules and versions of its flags, dates, the certificate — never the person), then the case's
notes, timeline, outcomes, the flags it held and the case itself are deleted. The database
refuses those deletes for any case without that record (migration 0005).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from integritas.cases.models import (
    Case,
    CaseDisposal,
    CaseEvent,
    CaseNote,
    CaseOutcome,
    ReviewFlag,
)
from integritas.cases.service import appeal_pending
from integritas.store.base import utcnow


@dataclass(frozen=True)
class DueCase:
    case_id: int
    ref: str
    outcome: str
    adverse: bool
    confirms: bool
    closed_at: datetime
    retention_days: int
    flag_ids: tuple[str, ...]


@dataclass(frozen=True)
class CaseDisposalCounts:
    cases: int = 0
    notes: int = 0
    events: int = 0
    outcomes: int = 0
    flags: int = 0


def due_cases(session: Session, today: date, retention_days: Callable[[str], int]) -> list[DueCase]:
    """Closed cases whose outcome's retention period has passed since their last activity."""
    latest: dict[int, CaseOutcome] = {}
    for row in session.scalars(select(CaseOutcome).order_by(CaseOutcome.id)):
        latest[row.case_id] = row
    last_event: dict[int, datetime] = {
        int(case_id): at
        for case_id, at in session.execute(
            select(CaseEvent.case_id, func.max(CaseEvent.at)).group_by(CaseEvent.case_id)
        )
    }
    out: list[DueCase] = []
    for c in session.scalars(select(Case).where(Case.status == "decided").order_by(Case.id)):
        o = latest.get(c.id)
        if o is None:
            continue
        closed = max(t for t in (o.decided_at, last_event.get(c.id)) if t is not None)
        days = retention_days(o.outcome)
        if closed.date() >= today - timedelta(days=days) or appeal_pending(session, c):
            continue  # the appeal query only for the few cases old enough to go
        flags = session.scalars(
            select(ReviewFlag.flag_id)
            .where(ReviewFlag.case_id == c.id)
            .order_by(ReviewFlag.flag_id)
        ).all()
        out.append(
            DueCase(c.id, c.ref, o.outcome, o.adverse, o.confirms, closed, days, tuple(flags))
        )
    return out


def dispose_cases(
    session: Session, due: Sequence[DueCase], certificate_id: str
) -> CaseDisposalCounts:
    """Record each disposal, then delete the case and everything it holds."""
    if not due:
        return CaseDisposalCounts()
    ids = [d.case_id for d in due]
    flag_rows = session.scalars(select(ReviewFlag).where(ReviewFlag.case_id.in_(ids))).all()
    held: dict[int, list[dict[str, object]]] = {}
    for f in flag_rows:
        held.setdefault(f.case_id or 0, []).append(
            {
                "rule": f.rule,
                "version": f.rule_version,
                "tier": f.tier,
                "received_at": f.received_at.isoformat(),
            }
        )
    now = utcnow()
    for d in due:
        session.add(
            CaseDisposal(
                case_id=d.case_id,
                case_ref=d.ref,
                outcome=d.outcome,
                adverse=d.adverse,
                confirms=d.confirms,
                closed_at=d.closed_at,
                retention_days=d.retention_days,
                flags=json.dumps(held.get(d.case_id, []), sort_keys=True),
                certificate_id=certificate_id,
                disposed_at=now,
            )
        )
    session.flush()  # the disposal records must exist before the triggers are asked
    counts = {}
    for name, model in (
        ("notes", CaseNote),
        ("events", CaseEvent),
        ("outcomes", CaseOutcome),
        ("flags", ReviewFlag),
    ):
        result = session.execute(
            delete(model).where(model.case_id.in_(ids)).execution_options(synchronize_session=False)
        )
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = session.execute(
        delete(Case).where(Case.id.in_(ids)).execution_options(synchronize_session=False)
    )
    session.expire_all()
    return CaseDisposalCounts(cases=int(result.rowcount or 0), **counts)  # type: ignore[attr-defined]


def disposed_decisions(session: Session) -> list[tuple[CaseDisposal, list[dict[str, object]]]]:
    """Disposed cases with the flags they held (for rule precision history)."""
    return [
        (d, list(json.loads(d.flags)))
        for d in session.scalars(select(CaseDisposal).order_by(CaseDisposal.id))
    ]
