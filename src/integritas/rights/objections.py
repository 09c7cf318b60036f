"""Objections: a person's processing for one metric is paused until a decision is recorded.

Pending and upheld objections are written to ``derived/objections.parquet`` (person_id,
metric), which the metrics runner anti-joins; flags already raised on that metric for the
person leave the warehouse flag set at once, so nothing reaches triage while paused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.rights.disputes import RightsError
from integritas.rights.models import Objection
from integritas.settings import Workspace

PAUSING = ("pending", "upheld")
OBJECTIONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("metric", pa.string()),
        ("objection_id", pa.int64()),
        ("status", pa.string()),
    ]
)


def objections_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "objections.parquet"


def paused(ws: Workspace) -> pa.Table:
    """(person_id, metric) pairs whose processing is paused."""
    path = objections_path(ws)
    return pq.read_table(path) if path.exists() else OBJECTIONS_SCHEMA.empty_table()


def write_objections(ws: Workspace, session: Session) -> Path:
    rows = session.scalars(select(Objection).where(Objection.status.in_(PAUSING))).all()
    table = pa.Table.from_pylist(
        [
            {"person_id": o.person_id, "metric": o.metric, "objection_id": o.id, "status": o.status}
            for o in rows
        ],
        schema=OBJECTIONS_SCHEMA,
    )
    path = objections_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".objections.parquet.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def _drop_flags(ws: Workspace, person_id: str, metric: str) -> int:
    from integritas.detect.flags import flags_path

    path = flags_path(ws)
    if not path.exists():
        return 0
    table = pq.read_table(path)
    hit = pc.and_(pc.equal(table["person_id"], person_id), pc.equal(table["metric"], metric))
    n = pc.sum(hit.cast(pa.int64())).as_py() or 0
    if n:
        tmp = path.with_name(".flags.parquet.objection.tmp")
        pq.write_table(table.filter(pc.invert(hit)), tmp)
        tmp.replace(path)
    return int(n)


def raise_objection(
    ws: Workspace,
    *,
    session: Session,
    person_id: str,
    metric: str,
    reason: str,
    actor: str,
    role: str = "staff",
) -> tuple[Objection, int]:
    """Record the objection and pause processing; returns it and the flags withdrawn."""
    from integritas.audit.service import append
    from integritas.rights.events import OBJECTION_RAISED

    if not reason.strip():
        raise RightsError("an objection needs a reason")
    o = Objection(person_id=person_id, metric=metric, reason=reason, raised_by=actor)
    session.add(o)
    session.flush()
    write_objections(ws, session)
    withdrawn = _drop_flags(ws, person_id, metric)
    append(
        session,
        actor=actor,
        role=role,
        action=OBJECTION_RAISED.name,
        object_type="objection",
        object_id=str(o.id),
        subjects=[person_id],
        detail=json.dumps({"metric": metric, "flags_withdrawn": withdrawn}),
    )
    return o, withdrawn


def decide_objection(
    ws: Workspace,
    *,
    session: Session,
    objection_id: int,
    upheld: bool,
    decision: str,
    actor: str,
    role: str = "dpo",
) -> Objection:
    """Uphold (processing stays stopped) or reject (processing resumes) with written reasons."""
    from integritas.audit.service import append
    from integritas.rights.events import OBJECTION_DECIDED
    from integritas.store.base import utcnow

    if not decision.strip():
        raise RightsError("a decision needs written reasons")
    o = session.get(Objection, objection_id)
    if o is None:
        raise RightsError(f"no objection {objection_id}")
    if o.status != "pending":
        raise RightsError(f"objection {objection_id} is already {o.status}")
    o.status = "upheld" if upheld else "rejected"
    o.decision, o.decided_by, o.decided_at = decision, actor, utcnow()
    session.flush()
    write_objections(ws, session)
    append(
        session,
        actor=actor,
        role=role,
        action=OBJECTION_DECIDED.name,
        object_type="objection",
        object_id=str(o.id),
        subjects=[o.person_id],
        detail=json.dumps({"metric": o.metric, "status": o.status}),
    )
    return o
