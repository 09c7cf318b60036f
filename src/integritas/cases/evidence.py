"""Opening a case's evidence: the references each flag carries and, with a workspace, the
curated rows behind them. Needs a live purpose grant; recorded on the timeline and audited."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.authz import record_access, require
from integritas.access.models import User
from integritas.cases.events import EVIDENCE_VIEWED
from integritas.cases.models import ReviewFlag
from integritas.cases.schemas import EvidenceRef, FlagEvidence
from integritas.cases.service import add_event, audit, load_case, require_case
from integritas.settings import Workspace


def view_evidence(
    session: Session, *, user: User, ref: str, ws: Workspace | None = None
) -> list[FlagEvidence]:
    """Open the case's evidence (needs a live purpose grant for the person); recorded on the
    timeline and in the audit log. With a workspace, the curated rows themselves are read."""
    c = load_case(session, ref)
    require_case(session, user, "case.read", c)
    decision = require(session, user, "flag.read_evidence", person_id=c.person_id, case_ref=c.ref)
    out: list[FlagEvidence] = []
    for f in session.scalars(
        select(ReviewFlag).where(ReviewFlag.case_id == c.id).order_by(ReviewFlag.flag_id)
    ):
        refs = [EvidenceRef(**e) for e in json.loads(f.evidence)]
        rows = evidence_rows(ws, refs) if ws is not None else []
        out.append(
            FlagEvidence(
                flag_id=f.flag_id, rule=f.rule, explanation=f.explanation, refs=refs, rows=rows
            )
        )
    n_refs = sum(len(e.refs) for e in out)
    add_event(session, c, user, "evidence_viewed", f"{n_refs} evidence rows in {len(out)} flags")
    record_access(
        session,
        user,
        decision,
        subjects=[c.person_id],
        returned=[e.model_dump(mode="json") for e in out],
        object_type="case",
        object_id=c.ref,
    )
    audit(session, user, EVIDENCE_VIEWED, c, f"{n_refs} rows", grant_id=decision.grant_id)
    return out


def evidence_rows(ws: Workspace, refs: Sequence[EvidenceRef]) -> list[dict[str, object]]:
    """The curated rows behind evidence references (source, batch, row number)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from integritas.ingest.layout import curated_files

    out: list[dict[str, object]] = []
    by_source: dict[str, set[tuple[str, int]]] = {}
    for r in refs:
        by_source.setdefault(r.source, set()).add((r.batch_id, r.row_number))
    for source, keys in sorted(by_source.items()):
        for path in curated_files(ws, source):
            table = pq.read_table(path)
            batches = {b for b, _ in keys}
            table = table.filter(pc.is_in(table["_batch_id"], value_set=_arr(sorted(batches))))
            for row in table.to_pylist():
                if (row["_batch_id"], row["_row_number"]) in keys:
                    out.append({"source": source, **{k: _plain(v) for k, v in row.items()}})
    return out


def _arr(values: list[str]) -> object:
    import pyarrow as pa

    return pa.array(values, type=pa.string())


def _plain(v: object) -> object:
    return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
