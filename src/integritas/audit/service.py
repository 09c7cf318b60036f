"""Appending to the chain, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from integritas.audit.events import AUDIT_CHECKPOINT, event_type
from integritas.audit.hashing import content_digest, event_hash, subjects_json
from integritas.audit.keys import sign
from integritas.audit.models import AuditCheckpoint, AuditEvent, AuditHead

CHECKPOINT_EVERY = 1000
CHECKPOINT_KEY_INFO = "integritas.audit.checkpoint_key"
"""``session.info`` key: workspace sessions carry the checkpoint key (store/session.py)."""
Outcome = Literal["allowed", "denied", "ok", "failed"]
_HEAD = "integritas.audit.head"  # session.info key: (transaction, seq, hash)
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_HEADS: Table = AuditHead.__table__  # type: ignore[assignment]
# Built once: executing them with parameters reuses the compiled SQL (see bench/audit.py).
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_LOCK_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.id == 1).with_for_update()


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
    ``checkpoint_key`` (or a session made by ``store.session.workspace_sessions``, which
    carries the workspace key), every ``CHECKPOINT_EVERY``-th event also writes a signed
    checkpoint.
    """
    event_type(action)  # refuses undeclared actions
    head_seq, head_hash = _locked_head(session)
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
        "prev_hash": head_hash,
    }
    h = event_hash(fields)
    seq = head_seq + 1
    # Core statements: an append is two statements, not an ORM flush (see bench/audit.py).
    session.execute(_INSERT_EVENT, {"seq": seq, "hash": h, **fields})
    session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": h})
    session.info[_HEAD] = (_innermost(session), seq, h)
    key = checkpoint_key if checkpoint_key is not None else session.info.get(CHECKPOINT_KEY_INFO)
    if key is not None and seq % CHECKPOINT_EVERY == 0:
        _write_checkpoint(session, seq, h, key)
    return AppendedEvent(seq=seq, hash=h)


def checkpoint(session: Session, *, key: bytes, actor: str = "system") -> AuditCheckpoint | None:
    """Sign the current head (after logging that we did); None on an empty chain."""
    head_seq, _ = _locked_head(session)
    if head_seq == 0:
        return None
    ev = append(session, actor=actor, role="system", action=AUDIT_CHECKPOINT.name)
    return _write_checkpoint(session, ev.seq, ev.hash, key)


def _write_checkpoint(session: Session, seq: int, h: str, key: bytes) -> AuditCheckpoint:
    at = now_iso()
    cp = AuditCheckpoint(seq=seq, at=at, hash=h, signature=sign(key, seq, h, at))
    session.add(cp)
    session.flush()
    return cp


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _locked_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the chain head, locked for the rest of the caller's transaction.

    The first append of a transaction reads the head ``FOR UPDATE`` (SQLite: the write lock
    taken by ``BEGIN IMMEDIATE``); later appends in the same transaction reuse what they
    wrote, since no one else can move a head this transaction holds locked. The cache is
    dropped on any commit or rollback, savepoints included.
    """
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is _innermost(session) and cached[0] is not None:
        return int(cached[1]), str(cached[2])
    row = session.execute(_LOCK_HEAD).one()
    return int(row.seq), str(row.hash)


@event.listens_for(Session, "after_soft_rollback")
def _forget_head_on_rollback(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_HEAD, None)


@event.listens_for(Session, "after_commit")
def _forget_head_on_commit(session: Session) -> None:
    session.info.pop(_HEAD, None)
