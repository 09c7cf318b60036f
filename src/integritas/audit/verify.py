"""Walk the chain and checkpoints; name the first altered, deleted, inserted or reordered event.

The same walk serves the live database and an exported file (see ``export.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.audit.hashing import HASHED_FIELDS, event_hash
from integritas.audit.keys import signature_ok
from integritas.audit.models import GENESIS, AuditCheckpoint, AuditEvent, AuditHead

Problem = Literal["altered", "deleted", "inserted", "reordered", "bad_checkpoint"]


class EventRecord(BaseModel):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    purpose: str
    grant_id: str
    outcome: str
    subjects: str
    detail: str
    digest: str
    prev_hash: str
    hash: str


class CheckpointRecord(BaseModel):
    seq: int
    at: str
    hash: str
    signature: str


class Finding(BaseModel):
    kind: Problem
    seq: int
    reason: str


class VerifyReport(BaseModel):
    events: int
    checkpoints: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        """The first problem met walking the chain in order (then head, then checkpoints)."""
        return self.findings[0] if self.findings else None


def walk(
    events: Sequence[EventRecord],
    checkpoints: Iterable[CheckpointRecord] = (),
    *,
    key: bytes | None = None,
    anchor: str = GENESIS,
    head: tuple[int, str] | None = None,
    first_seq: int = 1,
) -> VerifyReport:
    """Check every link; ``anchor`` is the hash before the first event (GENESIS for a full log)."""
    findings: list[Finding] = []
    index = {e.hash: i for i, e in enumerate(events)}
    prev_hash, prev_seq = anchor, first_seq - 1
    for i, e in enumerate(events):
        if event_hash(e.model_dump(include=set(HASHED_FIELDS))) != e.hash:
            findings.append(
                Finding(kind="altered", seq=e.seq, reason="content does not match its hash")
            )
        if e.prev_hash != prev_hash:
            findings.append(_broken_link(events, i, prev_seq, index))
        elif e.seq != prev_seq + 1:
            findings.append(
                Finding(kind="reordered", seq=e.seq, reason=f"renumbered: follows seq {prev_seq}")
            )
        prev_hash, prev_seq = e.hash, e.seq
    if head is not None:
        findings.extend(_check_head(head, prev_seq, prev_hash))
    by_seq = {e.seq: e for e in events}
    cps = list(checkpoints)
    for cp in cps:
        if key is not None and not signature_ok(key, cp.seq, cp.hash, cp.at, cp.signature):
            findings.append(
                Finding(kind="bad_checkpoint", seq=cp.seq, reason="checkpoint signature invalid")
            )
        ev = by_seq.get(cp.seq)
        if ev is None:
            if cp.seq >= first_seq:
                findings.append(
                    Finding(
                        kind="deleted", seq=cp.seq, reason="signed checkpoint names a missing event"
                    )
                )
        elif ev.hash != cp.hash:
            findings.append(
                Finding(
                    kind="altered", seq=cp.seq, reason="event hash differs from signed checkpoint"
                )
            )
    return VerifyReport(events=len(events), checkpoints=len(cps), findings=findings)


def _broken_link(
    events: Sequence[EventRecord], i: int, prev_seq: int, index: dict[str, int]
) -> Finding:
    """Event ``i`` does not link to the one before it: say what most plausibly happened."""
    e = events[i]
    j = index.get(e.prev_hash)
    if j is not None and j > i:
        return Finding(
            kind="reordered",
            seq=e.seq,
            reason=f"links to seq {events[j].seq}, which comes after it",
        )
    if j is not None and j < i - 1:
        return Finding(
            kind="inserted",
            seq=events[j + 1].seq,
            reason=f"seq {events[j + 1].seq}..{prev_seq} are not part of the chain",
        )
    if e.seq > prev_seq + 1:
        return Finding(
            kind="deleted", seq=prev_seq + 1, reason=f"events {prev_seq + 1}..{e.seq - 1} missing"
        )
    if i > 0:
        return Finding(
            kind="altered",
            seq=prev_seq,
            reason=f"rewritten: its hash is not the one seq {e.seq} recorded",
        )
    return Finding(kind="deleted", seq=e.seq, reason=f"the event seq {e.seq} links to is missing")


def _check_head(head: tuple[int, str], last_seq: int, last_hash: str) -> list[Finding]:
    head_seq, head_hash = head
    if last_seq > head_seq:
        return [
            Finding(kind="inserted", seq=head_seq + 1, reason="events appended outside the log")
        ]
    if last_seq < head_seq:
        return [
            Finding(kind="deleted", seq=last_seq + 1, reason=f"events up to {head_seq} missing")
        ]
    if last_hash != head_hash:
        return [Finding(kind="altered", seq=last_seq, reason="last event differs from chain head")]
    return []


def load_events(session: Session, *, start: int = 1, stop: int | None = None) -> list[EventRecord]:
    q = select(AuditEvent).where(AuditEvent.seq >= start).order_by(AuditEvent.seq)
    if stop is not None:
        q = q.where(AuditEvent.seq <= stop)
    return [EventRecord.model_validate(r, from_attributes=True) for r in session.scalars(q)]


def load_checkpoints(session: Session) -> list[CheckpointRecord]:
    q = select(AuditCheckpoint).order_by(AuditCheckpoint.seq)
    return [CheckpointRecord.model_validate(r, from_attributes=True) for r in session.scalars(q)]


def verify(session: Session, *, key: bytes | None) -> VerifyReport:
    """Verify the whole log held in the database (read-only)."""
    heads = AuditHead.__table__
    head = session.execute(select(heads.c.seq, heads.c.hash).where(heads.c.id == 1)).first()
    return walk(
        load_events(session),
        load_checkpoints(session),
        key=key,
        head=(head.seq, head.hash) if head else None,
    )
