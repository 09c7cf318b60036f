"""The triage queue (live tertiary flags) and the line manager's welfare list (secondary)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from integritas.access.authz import record_access, require
from integritas.access.models import TeamMember, User
from integritas.audit.service import append
from integritas.cases.events import FLAG_DISMISSED
from integritas.cases.models import Case, ReviewFlag
from integritas.cases.outcomes import DISMISSAL_REASONS
from integritas.cases.schemas import FlagView, QueueFilter, QueuePage
from integritas.store.base import utcnow


class CaseError(ValueError):
    """A request that cannot be honoured; the message says why. Nothing was changed."""


_SEVERITY_RANK = case(
    (ReviewFlag.severity == "high", 3), (ReviewFlag.severity == "medium", 2), else_=1
)
_SORT = {
    "received_at": ReviewFlag.received_at,
    "severity": _SEVERITY_RANK,
    "rule": ReviewFlag.rule,
    "value": ReviewFlag.value,
    "period_end": ReviewFlag.period_end,
    "person_id": ReviewFlag.person_id,
}


def flag_view(row: ReviewFlag, now: datetime, case_ref: str | None = None) -> FlagView:
    return FlagView(
        flag_id=row.flag_id,
        person_id=row.person_id,
        rule=row.rule,
        rule_version=row.rule_version,
        tier=row.tier,
        severity=row.severity,
        unit_id=row.unit_id,
        period_start=row.period_start,
        period_end=row.period_end,
        metric=row.metric,
        value=row.value,
        peer_median=row.peer_median,
        peer_low=row.peer_low,
        peer_high=row.peer_high,
        peer_n=row.peer_n,
        explanation=row.explanation,
        status=row.status,
        received_at=row.received_at,
        age_days=(now - row.received_at).days,
        case_ref=case_ref,
        dismissed_reason=row.dismissed_reason,
    )


def _filtered(q: Select[ReviewFlag], f: QueueFilter, now: datetime) -> Select[ReviewFlag]:
    if f.rule:
        q = q.where(ReviewFlag.rule == f.rule)
    if f.unit:
        q = q.where(ReviewFlag.unit_id == f.unit)
    if f.severity:
        q = q.where(ReviewFlag.severity == f.severity)
    if f.min_age_days is not None:
        q = q.where(ReviewFlag.received_at <= now - timedelta(days=f.min_age_days))
    if f.max_age_days is not None:
        q = q.where(ReviewFlag.received_at >= now - timedelta(days=f.max_age_days + 1))
    return q


def list_queue(
    session: Session, *, user: User, filters: QueueFilter | None = None, now: datetime | None = None
) -> QueuePage:
    """Open live tertiary flags, pseudonymised; the read is audited with the pseudonyms shown."""
    f = filters or QueueFilter()
    at = now or utcnow()
    decision = require(session, user, "flag.list")
    base = select(ReviewFlag).where(ReviewFlag.tier == "tertiary", ReviewFlag.status == "open")
    base = _filtered(base, f, at)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    key = _SORT[f.sort]
    order = key.desc() if f.descending else key.asc()
    q = base.order_by(order, ReviewFlag.flag_id).offset((f.page - 1) * f.page_size)
    rows = list(session.scalars(q.limit(f.page_size)))
    items = [flag_view(r, at) for r in rows]
    record_access(
        session,
        user,
        decision,
        subjects=sorted({i.person_id for i in items}),
        returned=[i.flag_id for i in items],
        object_type="triage_queue",
        object_id=f.model_dump_json(exclude_defaults=True),
    )
    return QueuePage(items=items, total=total, page=f.page, page_size=f.page_size)


def dismiss_flag(
    session: Session, *, user: User, flag_id: str, reason: str, note: str = ""
) -> FlagView:
    """Dismiss an open tertiary flag with one of the declared reasons."""
    if reason not in DISMISSAL_REASONS:
        raise CaseError(
            f"unknown dismissal reason {reason!r}; known: {', '.join(DISMISSAL_REASONS)}"
        )
    require(session, user, "flag.triage")
    row = session.get(ReviewFlag, flag_id)
    if row is None:
        raise CaseError(f"no flag {flag_id!r} under review")
    if row.tier != "tertiary":
        raise CaseError(f"flag {flag_id} is a welfare flag: it is not triaged here")
    if row.status != "open":
        raise CaseError(f"flag {flag_id} is already {row.status}")
    now = utcnow()
    row.status = "dismissed"
    row.dismissed_reason, row.dismissed_note = reason, note
    row.dismissed_by, row.dismissed_at = user.id, now
    session.flush()
    append(
        session,
        actor=user.username,
        role=user.role,
        action=FLAG_DISMISSED.name,
        object_type="flag",
        object_id=flag_id,
        subjects=[row.person_id],
        detail=f"{reason}: {note}" if note else reason,
    )
    return flag_view(row, now)


def welfare_list(session: Session, *, user: User, now: datetime | None = None) -> list[FlagView]:
    """Open welfare (secondary) flags of the people the user line-manages, and no one else's."""
    at = now or utcnow()
    if not user.person_id:
        require(session, user, "welfare.read_team", person_id=None)  # denies, audited
        return []
    q = (
        select(ReviewFlag)
        .join(TeamMember, TeamMember.person_id == ReviewFlag.person_id)
        .where(
            TeamMember.manager_person_id == user.person_id,
            ReviewFlag.tier == "secondary",
            ReviewFlag.status == "open",
        )
        .order_by(ReviewFlag.received_at.desc(), ReviewFlag.flag_id)
    )
    rows = list(session.scalars(q))
    # People showing several different indicators first: together they matter more than one.
    breadth: dict[str, set[str]] = {}
    for r in rows:
        breadth.setdefault(r.person_id, set()).add(r.rule)
    rows.sort(key=lambda r: (-len(breadth[r.person_id]), r.person_id))
    people = sorted(breadth)
    decisions = [require(session, user, "welfare.read_team", person_id=p) for p in people]
    items = [flag_view(r, at) for r in rows]
    if decisions:
        record_access(
            session,
            user,
            decisions[0],
            subjects=people,
            returned=[i.flag_id for i in items],
            object_type="welfare_list",
            object_id=user.person_id,
        )
    return items


def case_ref_of(session: Session, row: ReviewFlag) -> str | None:
    if row.case_id is None:
        return None
    c = session.get(Case, row.case_id)
    return c.ref if c else None
