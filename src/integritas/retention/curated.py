"""Expired curated rows: find them per committed batch, and rewrite the batch without them.

Files are found only through batch manifests (``ingest.layout``). A rewrite writes a temporary
file and renames it over the old one, so a reader sees the whole old batch or the whole new
one; the manifest is then rewritten (also by rename) to record what was disposed of.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integritas.catalog.registry import catalog
from integritas.ingest.layout import manifests, write_manifest
from integritas.ingest.readers import quote_ident, sql_literal
from integritas.retention.policies import BATCH_CLOCK, SourcePolicy
from integritas.settings import Workspace

EXPIRED_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("batch_id", pa.string()),
        ("row_number", pa.int64()),
        ("person_id", pa.string()),
        ("record_id", pa.string()),
    ]
)


@dataclass
class BatchExpiry:
    """Rows of one committed batch that have expired under one policy."""

    policy: SourcePolicy
    manifest: dict[str, Any]
    rows_total: int
    expired: pa.Table  # EXPIRED_SCHEMA

    @property
    def batch_id(self) -> str:
        return str(self.manifest["batch_id"])

    @property
    def count(self) -> int:
        return self.expired.num_rows


@dataclass
class CuratedPlan:
    batches: list[BatchExpiry] = field(default_factory=list)
    quarantine_files: list[Path] = field(default_factory=list)

    def expired_rows(self) -> pa.Table:
        tables = [b.expired for b in self.batches]
        return pa.concat_tables(tables) if tables else EXPIRED_SCHEMA.empty_table()


def _files(ws: Workspace, manifest: dict[str, Any], key: str) -> list[Path]:
    return [ws.home / rel for rel in manifest.get(key, []) if (ws.home / rel).exists()]


def _expired_sql(
    policy: SourcePolicy, cutoff_iso: str, manifest: dict[str, Any], path: Path
) -> str:
    src = catalog()[policy.source]
    cutoff = sql_literal(cutoff_iso)
    read = f"read_parquet({sql_literal(str(path))})"
    cols = pq.read_schema(path).names
    if policy.clock == BATCH_CLOCK:
        committed = str(manifest.get("committed_at", ""))[:10]
        cond = "true" if committed and committed < cutoff_iso else "false"
    elif policy.clock not in cols:
        cond = "false"
    else:
        cond = f"CAST({quote_ident(policy.clock)} AS DATE) < DATE {cutoff}"
    person = src.field(src.person_field).curated_name if src.person_field else None
    pcol = quote_ident(person) if person and person in cols else "NULL"
    rcol = "CAST(record_id AS VARCHAR)" if "record_id" in cols else "NULL"
    return (
        f"SELECT {sql_literal(policy.source)} AS source, _batch_id AS batch_id, "
        f"CAST(_row_number AS BIGINT) AS row_number, CAST({pcol} AS VARCHAR) AS person_id, "
        f"{rcol} AS record_id FROM {read} WHERE {cond}"
    )


def plan_curated(
    ws: Workspace, policies: list[SourcePolicy], today: date, con: duckdb.DuckDBPyConnection
) -> CuratedPlan:
    plan = CuratedPlan()
    for policy in policies:
        cutoff_iso = policy.cutoff(today).isoformat()
        for m in manifests(ws, policy.source):
            for path in _files(ws, m, "curated_files"):
                expired = con.execute(_expired_sql(policy, cutoff_iso, m, path)).to_arrow_table()
                if expired.num_rows:
                    total = pq.read_metadata(path).num_rows
                    plan.batches.append(BatchExpiry(policy, m, total, expired.cast(EXPIRED_SCHEMA)))
            qrel = m.get("quarantine_file")
            committed = str(m.get("committed_at", ""))[:10]
            if qrel and committed and committed < cutoff_iso:
                qpath = ws.home / qrel
                if qpath.exists():
                    plan.quarantine_files.append(qpath)
    return plan


def _rewrite_without(con: duckdb.DuckDBPyConnection, path: Path, expired: pa.Table) -> int:
    """Rewrite ``path`` without the expired row numbers; delete it when nothing is left."""
    con.register("__gone", expired.select(["batch_id", "row_number"]))
    try:
        sql = (
            f"SELECT t.* FROM read_parquet({sql_literal(str(path))}) t ANTI JOIN __gone g "
            "ON g.batch_id = t._batch_id AND g.row_number = t._row_number"
        )
        kept = con.execute(sql).to_arrow_table()
    finally:
        con.unregister("__gone")
    if kept.num_rows == 0:
        path.unlink()
        return 0
    tmp = path.with_name(f".{path.name}.retention.tmp")
    pq.write_table(kept, tmp)
    os.replace(tmp, path)
    return kept.num_rows


def dispose_batch(
    ws: Workspace, con: duckdb.DuckDBPyConnection, b: BatchExpiry, certificate_id: str, at: str
) -> None:
    """Remove the expired rows from the batch's curated and vault files; record it."""
    m = copy.deepcopy(b.manifest)  # manifests() hands out shared, read-only dicts
    for key in ("curated_files", "vault_files"):
        remaining = []
        for rel in m.get(key, []):
            path = ws.home / rel
            if path.exists() and _rewrite_without(con, path, b.expired) > 0:
                remaining.append(rel)
        m[key] = remaining
    m["rows_disposed"] = int(m.get("rows_disposed", 0)) + b.count
    m.setdefault("disposals", []).append(
        {"certificate_id": certificate_id, "at": at, "rows": b.count, "reason": b.policy.why}
    )
    write_manifest(ws, m)
