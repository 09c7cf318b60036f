"""Appending to the chain, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.audit.events import AUDIT_CHECKPOINT, event_type
from integritas.audit.hashing import content_digest, event_hash, subjects_json
from integritas.audit.keys import sign
from integritas.audit.models import AuditCheckpoint, AuditEvent, AuditHead

CHECKPOINT_EVERY = 1000
Outcome = Literal["allowed", "denied", "ok", "failed"]


class AppendedEvent(BaseModel):
    seq: int
    hash: str


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    outcome: Outcome = "ok",
    object_type: str = "",
    object_id: str = "",
    purpose: str = "",
    grant_id: str | int | None = None,
    subjects: Sequence[str] = (),
    returned: object = None,
    detail: str = "",
    checkpoint_key: bytes | None = None,
) -> AppendedEvent:
    """Append one event. Locks the chain head, so concurrent appends serialise.

    ``subjects`` lists every pseudonym the caller showed; ``returned`` is digested (what records
    were returned). The event commits or rolls back with the caller's transaction. With
    ``checkpoint_key``, every ``CHECKPOINT_EVERY``-th event also writes a signed checkpoint.
    """
    event_type(action)  # refuses undeclared actions
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    fields = {
        "at": now_iso(),
        "actor": actor,
        "role": role,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "purpose": purpose,
        "grant_id": "" if grant_id is None else str(grant_id),
        "outcome": outcome,
        "subjects": subjects_json(subjects),
        "detail": detail,
        "digest": content_digest(returned),
        "prev_hash": head.hash,
    }
    h = event_hash(fields)
    seq = head.seq + 1
    session.add(AuditEvent(seq=seq, hash=h, **fields))
    head.seq, head.hash = seq, h
    session.flush()
    if checkpoint_key is not None and seq % CHECKPOINT_EVERY == 0:
        _write_checkpoint(session, seq, h, checkpoint_key)
    return AppendedEvent(seq=seq, hash=h)


def checkpoint(session: Session, *, key: bytes, actor: str = "system") -> AuditCheckpoint | None:
    """Sign the current head (after logging that we did); None on an empty chain."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    if head.seq == 0:
        return None
    ev = append(session, actor=actor, role="system", action=AUDIT_CHECKPOINT.name)
    return _write_checkpoint(session, ev.seq, ev.hash, key)


def _write_checkpoint(session: Session, seq: int, h: str, key: bytes) -> AuditCheckpoint:
    at = now_iso()
    cp = AuditCheckpoint(seq=seq, at=at, hash=h, signature=sign(key, seq, h, at))
    session.add(cp)
    session.flush()
    return cp
