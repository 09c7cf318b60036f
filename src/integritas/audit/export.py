"""A self-verifying export for an oversight body: events, hashes and signed checkpoints.

The file carries the hash the first exported event links to (``anchor``), so the chain of
the range checks from the file alone; checkpoint signatures check where the key is given.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.audit.models import AuditEvent
from integritas.audit.verify import (
    CheckpointRecord,
    EventRecord,
    VerifyReport,
    load_checkpoints,
    walk,
)

FORMAT = "integritas-audit-export/1"


class AuditExport(BaseModel):
    format: str = FORMAT
    exported_at: str
    time_from: str | None
    time_to: str | None
    anchor: str
    first_seq: int
    last_seq: int
    last_hash: str
    events: list[EventRecord]
    checkpoints: list[CheckpointRecord]
    how_to_verify: str = (
        "For each event in order: sha256 of the compact JSON array of its fields at, actor, "
        "role, action, object_type, object_id, purpose, grant_id, outcome, subjects, detail, "
        "digest, prev_hash must equal its hash; the first prev_hash must equal anchor and each "
        "later prev_hash the previous hash. `integritas audit verify-export FILE` does this."
    )


def build_export(
    session: Session, *, time_from: str | None, time_to: str | None, exported_at: str
) -> AuditExport:
    q = select(AuditEvent).order_by(AuditEvent.seq)
    if time_from:
        q = q.where(AuditEvent.at >= time_from)
    if time_to:
        q = q.where(AuditEvent.at < time_to)
    events = [EventRecord.model_validate(r, from_attributes=True) for r in session.scalars(q)]
    seqs = {e.seq for e in events}
    cps = [c for c in load_checkpoints(session) if c.seq in seqs]
    return AuditExport(
        exported_at=exported_at,
        time_from=time_from,
        time_to=time_to,
        anchor=events[0].prev_hash if events else "",
        first_seq=events[0].seq if events else 1,
        last_seq=events[-1].seq if events else 0,
        last_hash=events[-1].hash if events else "",
        events=events,
        checkpoints=cps,
    )


def write_export(export: AuditExport, path: Path) -> None:
    path.write_text(export.model_dump_json(indent=1), encoding="utf-8")


class ExportUnreadable(ValueError):
    pass


def verify_export(path: Path, *, key: bytes | None = None) -> VerifyReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        export = AuditExport.model_validate(data)
    except (OSError, ValueError) as exc:
        raise ExportUnreadable(f"{path}: not a readable audit export ({exc})") from None
    if export.format != FORMAT:
        raise ExportUnreadable(f"{path}: unknown format {export.format!r}")
    return walk(
        export.events,
        export.checkpoints,
        key=key,
        anchor=export.anchor,
        head=(export.last_seq, export.last_hash) if export.last_seq else None,
        first_seq=export.first_seq,
    )
