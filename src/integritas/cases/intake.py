"""The store side of detection's hand-off: live flags in, routed by tier.

Tertiary flags join the triage (misconduct) queue; secondary (welfare) flags go only to the
welfare list of the person's line manager (``hr_master.line_manager_id``, itself a pseudonym),
never to the triage queue. Receiving the same flag again changes nothing (keyed on flag_id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.models import TeamMember
from integritas.audit.service import append
from integritas.cases.events import FLAGS_RECEIVED
from integritas.cases.models import ReviewFlag
from integritas.detect.models import Flag, Mode, Tier
from integritas.settings import Workspace
from integritas.store.base import utcnow

SYSTEM_ACTOR = "system:detect"


class PersonInfo(BaseModel):
    """What review needs to know about a person from HR master (all pseudonymised)."""

    unit_id: str | None = None
    line_manager_id: str | None = None
    staff_type: str = "officer"


def people_from_workspace(ws: Workspace) -> dict[str, PersonInfo]:
    """Unit, line manager and staff type per person from the committed ``hr_master`` batches."""
    import pyarrow.parquet as pq

    from integritas.ingest.layout import curated_files

    people: dict[str, PersonInfo] = {}
    wanted = ["person_id", "unit_id", "line_manager_id", "staff_type"]
    for path in curated_files(ws, "hr_master"):  # oldest first: later batches win
        table = pq.read_table(path)
        cols = [c for c in wanted if c in table.column_names]
        for row in table.select(cols).to_pylist():
            people[row["person_id"]] = PersonInfo(
                unit_id=row.get("unit_id"),
                line_manager_id=row.get("line_manager_id"),
                staff_type=row.get("staff_type") or "officer",
            )
    return people


def receive_flags(
    session: Session, flags: Sequence[Flag], people: Mapping[str, PersonInfo] | None = None
) -> int:
    """Store new live flags (idempotent on ``flag_id``); return how many were new."""
    live = [f for f in flags if f.mode is Mode.LIVE]
    if not live:
        return 0
    ids = [f.flag_id for f in live]
    known = set(session.scalars(select(ReviewFlag.flag_id).where(ReviewFlag.flag_id.in_(ids))))
    people = people or {}
    now = utcnow()
    new: list[ReviewFlag] = []
    for f in live:
        if f.flag_id in known:
            continue
        known.add(f.flag_id)
        info = people.get(f.person_id, PersonInfo())
        row = ReviewFlag(
            flag_id=f.flag_id,
            person_id=f.person_id,
            rule=f.rule,
            rule_version=f.rule_version,
            tier=str(f.tier),
            severity=str(f.severity),
            period_start=f.period_start,
            period_end=f.period_end,
            metric=f.metric,
            value=f.value,
            peer_median=f.peer_median,
            peer_low=f.peer_low,
            peer_high=f.peer_high,
            peer_n=f.peer_n,
            evidence=json.dumps([e.model_dump() for e in f.evidence]),
            explanation=f.explanation,
            scenario=f.scenario,
            unit_id=info.unit_id,
            line_manager_id=info.line_manager_id,
            status="open",
            received_at=now,
        )
        session.add(row)
        new.append(row)
        if f.tier is Tier.SECONDARY and info.line_manager_id:
            _ensure_team_member(session, info.line_manager_id, f.person_id)
    session.flush()
    if new:
        append(
            session,
            actor=SYSTEM_ACTOR,
            role="system",
            action=FLAGS_RECEIVED.name,
            object_type="flags",
            object_id=str(len(new)),
            subjects=sorted({r.person_id for r in new}),
            detail=f"{sum(r.tier == 'tertiary' for r in new)} tertiary, "
            f"{sum(r.tier == 'secondary' for r in new)} secondary",
        )
    return len(new)


def _ensure_team_member(session: Session, manager: str, person: str) -> None:
    if session.get(TeamMember, (manager, person)) is None:
        session.add(TeamMember(manager_person_id=manager, person_id=person))
        session.flush()


def sync_team_members(session: Session, people: Mapping[str, PersonInfo]) -> int:
    """Record every line-management link from HR master (welfare scope); return how many new."""
    existing = {(t.manager_person_id, t.person_id) for t in session.scalars(select(TeamMember))}
    added = 0
    for person, info in people.items():
        if info.line_manager_id and (info.line_manager_id, person) not in existing:
            session.add(TeamMember(manager_person_id=info.line_manager_id, person_id=person))
            existing.add((info.line_manager_id, person))
            added += 1
    session.flush()
    return added


class StoreFlagSink:
    """``FlagSink`` for ``detect.flags.hand_off``: one transaction per hand-off."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        people: Mapping[str, PersonInfo] | None = None,
    ) -> None:
        self.sessions = sessions
        self.people = people

    @classmethod
    def for_workspace(cls, ws: Workspace, sessions: sessionmaker[Session]) -> StoreFlagSink:
        return cls(sessions, people_from_workspace(ws))

    def receive(self, flags: Sequence[Flag]) -> int:
        with self.sessions.begin() as session:
            return receive_flags(session, flags, self.people)
