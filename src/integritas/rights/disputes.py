"""Disputes and rectification: a disputed record leaves metrics until it is resolved.

Raising a dispute records it, rewrites ``derived/disputed.parquet`` (the metrics runner
anti-joins it on source, batch_id, row_number), removes the metric values, evidence and flags
built on the row (lineage, as retention does), then recomputes flags where metric values
exist. Resolving it logs the correction and lists who saw the old value, for notification.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from integritas.catalog.registry import catalog
from integritas.engine import duck
from integritas.ingest.layout import manifests
from integritas.ingest.readers import sql_literal
from integritas.rights.models import Dispute
from integritas.settings import Workspace

DISPUTED_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("batch_id", pa.string()),
        ("row_number", pa.int64()),
        ("person_id", pa.string()),
        ("dispute_id", pa.int64()),
        ("status", pa.string()),
    ]
)
EXCLUDING = ("open", "corrected")  # a corrected row was wrong: it stays out of metrics


class RightsError(ValueError):
    """A rights request names something that does not exist or is in the wrong state."""


def disputed_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "disputed.parquet"


def disputed_rows(ws: Workspace) -> pa.Table:
    """Rows excluded from metrics: source, batch_id, row_number (plus person and dispute id)."""
    path = disputed_path(ws)
    return pq.read_table(path) if path.exists() else DISPUTED_SCHEMA.empty_table()


def write_disputed(ws: Workspace, session: Session) -> Path:
    rows = session.scalars(select(Dispute).where(Dispute.status.in_(EXCLUDING))).all()
    table = pa.Table.from_pylist(
        [
            {
                "source": d.source,
                "batch_id": d.batch_id,
                "row_number": d.row_number,
                "person_id": d.person_id,
                "dispute_id": d.id,
                "status": d.status,
            }
            for d in rows
        ],
        schema=DISPUTED_SCHEMA,
    )
    path = disputed_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".disputed.parquet.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def find_row(ws: Workspace, source: str, batch_id: str, row_number: int) -> dict[str, Any]:
    """The curated row, or RightsError saying which part of the reference is wrong."""
    if source not in catalog():
        raise RightsError(f"no declared source {source!r}")
    m = next((m for m in manifests(ws, source) if m["batch_id"] == batch_id), None)
    if m is None:
        raise RightsError(f"source {source!r} has no committed batch {batch_id!r}")
    files = [ws.home / rel for rel in m.get("curated_files", []) if (ws.home / rel).exists()]
    if not files:
        raise RightsError(f"batch {batch_id!r} of {source!r} holds no rows (disposed)")
    con = duck.connect(ws)
    try:
        listing = ", ".join(sql_literal(str(f)) for f in files)
        cur = con.execute(
            f"SELECT * FROM read_parquet([{listing}]) WHERE _row_number = {int(row_number)}"
        )
        cols = [d[0] for d in cur.description]
        found = cur.fetchone()
    finally:
        con.close()
    if found is None:
        raise RightsError(f"batch {batch_id!r} of {source!r} has no row {row_number}")
    return dict(zip(cols, found, strict=True))


def who_saw(session: Session, person_id: str) -> list[dict[str, str]]:
    """People who read this person's data (from the audit log): to notify of a correction."""
    from integritas.audit.events import event_types

    reading = [n for n, t in event_types().items() if t.reads_person_data]
    if not reading:
        return []
    marks = ", ".join(f":a{i}" for i in range(len(reading)))
    rows = session.execute(
        text(
            "SELECT actor, role, min(at) AS first_seen, max(at) AS last_seen FROM audit_events "
            f"WHERE outcome IN ('ok', 'allowed') AND action IN ({marks}) AND "
            "(subjects LIKE :like OR object_id = :p) GROUP BY actor, role ORDER BY actor"
        ),
        {**{f"a{i}": a for i, a in enumerate(reading)}, "like": f'%"{person_id}"%', "p": person_id},
    )
    return [
        {"actor": r[0], "role": r[1], "first_seen": r[2], "last_seen": r[3]}
        for r in rows
        if r[0] != "system"
    ]


@dataclass
class DisputeResult:
    dispute: Dispute
    values_removed: int
    flags_removed: int
    flags_after: int | None  # None when detection could not run (no metric values)
    notify: list[dict[str, str]]


def _recompute(ws: Workspace, rules: Any, source: str | None = None) -> int | None:
    """Recompute the metrics that read ``source`` (the disputed row now excluded or restored),
    then the flags. Returns the number of flags after, or None before any metrics exist."""
    from integritas.detect.service import metric_values_path, run_detection
    from integritas.metrics.registry import load_metrics
    from integritas.metrics.runner import run_metrics

    if not Path(metric_values_path(ws)).exists():
        return None
    if source is not None:
        affected = [m.name for m in load_metrics() if source in m.spec.sources]
        if affected:
            run_metrics(ws, only=affected, full=True)
    report = run_detection(ws, rules=rules)
    return len(report.flags)


def raise_dispute(
    ws: Workspace,
    *,
    session: Session,
    source: str,
    batch_id: str,
    row_number: int,
    reason: str,
    actor: str,
    role: str = "staff",
    rules: Any = None,
    recompute_metrics: bool = False,
) -> DisputeResult:
    """Mark one curated row disputed; exclude it and recompute the flags it fed.

    The values built on the row are removed at once (following lineage). With
    ``recompute_metrics`` the metrics that read the source are recomputed without the row
    (the runner leaves disputed rows out); otherwise the next `metrics run --full` does it.
    """
    from integritas.audit.service import append
    from integritas.retention.derived import cascade
    from integritas.rights.events import DISPUTE_RAISED

    if not reason.strip():
        raise RightsError("a dispute needs a reason")
    row = find_row(ws, source, batch_id, row_number)
    src = catalog()[source]
    pcol = src.field(src.person_field).curated_name if src.person_field else None
    person = str(row.get(pcol) or "") if pcol else ""
    d = Dispute(
        source=source,
        batch_id=batch_id,
        row_number=row_number,
        person_id=person,
        reason=reason,
        raised_by=actor,
        status="open",
        notify=json.dumps(who_saw(session, person)) if person else "[]",
    )
    session.add(d)
    session.flush()
    write_disputed(ws, session)
    gone = pa.Table.from_pylist(
        [{"source": source, "batch_id": batch_id, "row_number": row_number, "record_id": None}],
        schema=pa.schema(
            [
                ("source", pa.string()),
                ("batch_id", pa.string()),
                ("row_number", pa.int64()),
                ("record_id", pa.string()),
            ]
        ),
    )
    con = duck.connect(ws)
    try:
        counts = cascade(ws, con, gone, write=True)
    finally:
        con.close()
    flags_after = _recompute(ws, rules, source if recompute_metrics else None)
    append(
        session,
        actor=actor,
        role=role,
        action=DISPUTE_RAISED.name,
        object_type="dispute",
        object_id=str(d.id),
        subjects=[person] if person else [],
        detail=json.dumps({"source": source, "batch_id": batch_id, "row_number": row_number}),
    )
    return DisputeResult(d, counts.metric_values, counts.flags, flags_after, json.loads(d.notify))


def resolve_dispute(
    ws: Workspace,
    *,
    session: Session,
    dispute_id: int,
    status: str,
    resolution: str,
    actor: str,
    role: str = "dpo",
) -> DisputeResult:
    """Record the correction (``corrected``) or the rejection (``rejected``) of a dispute."""
    from integritas.audit.service import append
    from integritas.rights.events import DISPUTE_RESOLVED
    from integritas.store.base import utcnow

    if status not in ("corrected", "rejected"):
        raise RightsError(f"status must be corrected or rejected, not {status!r}")
    d = session.get(Dispute, dispute_id)
    if d is None:
        raise RightsError(f"no dispute {dispute_id}")
    if d.status != "open":
        raise RightsError(f"dispute {dispute_id} is already {d.status}")
    notify = who_saw(session, d.person_id) if d.person_id else []
    d.status, d.resolution, d.resolved_by, d.resolved_at = status, resolution, actor, utcnow()
    d.notify = json.dumps(notify)
    session.flush()
    write_disputed(ws, session)
    append(
        session,
        actor=actor,
        role=role,
        action=DISPUTE_RESOLVED.name,
        object_type="dispute",
        object_id=str(d.id),
        subjects=[d.person_id] if d.person_id else [],
        detail=json.dumps({"status": status, "notify": [n["actor"] for n in notify]}),
    )
    return DisputeResult(d, 0, 0, None, notify)
