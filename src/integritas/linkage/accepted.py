"""Accepted matches for the metrics runner: ``derived/linkage_accepted.parquet``.

Only pairs whose LATEST review decision is "accepted" are written; a pair rejected after
being accepted drops out. The organisation details come from the run the reviewer saw
(``run_id`` of the decision), so a later re-run does not change what was accepted.
The metrics runner compares these rows with declarations (undeclared-interest metric).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from integritas.engine.backends import LINKAGE_ACCEPTED_SCHEMA, linkage_accepted_path
from integritas.linkage.candidates import latest_runs
from integritas.linkage.engine import linkage_root
from integritas.linkage.review import Decision, latest_decisions
from integritas.settings import Workspace

ACCEPTED_COLUMNS = tuple(LINKAGE_ACCEPTED_SCHEMA.names)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def _run_rows(ws: Workspace, registry: str, run_id: str) -> dict[str, dict[str, Any]]:
    """candidate_id -> row of that run (or of the registry's latest run if it is gone)."""
    import pyarrow.parquet as pq

    folder = linkage_root(ws) / registry / run_id
    if not (folder / "candidates.parquet").exists():
        latest = latest_runs(ws).get(registry)
        if latest is None:
            return {}
        folder = latest
    table = pq.read_table(folder / "candidates.parquet", columns=["candidate_id", *_CARRIED])
    return {r["candidate_id"]: r for r in table.to_pylist()}


_CARRIED = ["organisation_name", "organisation_id", "role", "start_date", "end_date"]


def accepted_rows(ws: Workspace, *, session: Any) -> list[dict[str, Any]]:
    """One dict per accepted (latest decision) pair, in decision order."""
    decisions = [
        d for d in latest_decisions(session=session).values() if d.decision == Decision.ACCEPTED
    ]
    cache: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    out = []
    for d in sorted(decisions, key=lambda d: d.id):
        key = (d.registry_name, d.run_id)
        if key not in cache:
            cache[key] = _run_rows(ws, *key)
        cand = cache[key].get(d.candidate_id, {})
        out.append(
            {
                "person_id": d.person_id,
                "registry": d.registry_name,
                "record_id": d.record_id,
                "organisation_name": cand.get("organisation_name"),
                "organisation_id": cand.get("organisation_id"),
                "role": cand.get("role"),
                "start_date": _as_date(cand.get("start_date")),
                "end_date": _as_date(cand.get("end_date")),
                "decided_at": _naive_utc(d.decided_at),
                "decision_id": str(d.id),
            }
        )
    return out


def export_accepted(ws: Workspace, session: Any) -> Path:
    """Rewrite ``derived/linkage_accepted.parquet`` atomically; returns its path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = accepted_rows(ws, session=session)
    table = pa.Table.from_pylist(rows, schema=LINKAGE_ACCEPTED_SCHEMA)
    path = linkage_accepted_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path
