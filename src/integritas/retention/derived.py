"""Everything derived from a set of curated rows, found by lineage, and its removal.

Lineage runs ``(source, batch_id, row_number)`` -> ``derived/metric_evidence.parquet`` -> the
metric values of those (metric, subject, period) -> flags built on them (or whose own evidence
names a gone row) -> linkage candidates built from gone registry records or gone people.
Values without row-level evidence (unit metrics) are removed when their ``batch_ids`` name a
batch that lost rows and their period starts before that batch's cutoff. Used by retention
(expired rows) and by rights (disputed rows invalidate the values built on them).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integritas.settings import Workspace

CUTOFF_SCHEMA = pa.schema([("batch_id", pa.string()), ("cutoff", pa.date32())])


def derived_dir(ws: Workspace) -> Path:
    return ws.home / "derived"


def metric_values_file(ws: Workspace) -> Path:
    return derived_dir(ws) / "metric_values.parquet"


def metric_evidence_file(ws: Workspace) -> Path:
    return derived_dir(ws) / "metric_evidence.parquet"


def flags_file(ws: Workspace) -> Path:
    return derived_dir(ws) / "flags.parquet"


def linkage_files(ws: Workspace) -> list[Path]:
    """Every linkage candidate file of every run, and the accepted-links file."""
    root = derived_dir(ws) / "linkage"
    files = sorted(root.glob("*/*/candidates.parquet")) if root.exists() else []
    accepted = derived_dir(ws) / "linkage_accepted.parquet"
    return files + ([accepted] if accepted.exists() else [])


@dataclass
class DerivedCounts:
    metric_evidence: int = 0
    metric_values: int = 0
    flags: int = 0
    linkage: int = 0
    flag_ids: list[str] = field(default_factory=list)

    def as_items(self) -> dict[str, int]:
        return {
            "metric evidence rows": self.metric_evidence,
            "metric values": self.metric_values,
            "flags": self.flags,
            "linkage candidates": self.linkage,
        }


def _replace(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f".{path.name}.retention.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _filter(
    con: duckdb.DuckDBPyConnection, path: Path, drop_where: str, write: bool
) -> tuple[int, pa.Table]:
    """Rows of ``path`` matching ``drop_where`` (SQL over alias ``t``); rewrite without them."""
    read = "read_parquet('" + str(path).replace("'", "''") + "')"
    gone = con.execute(f"SELECT t.* FROM {read} t WHERE {drop_where}").to_arrow_table()
    if gone.num_rows and write:
        kept = con.execute(f"SELECT t.* FROM {read} t WHERE NOT ({drop_where})").to_arrow_table()
        _replace(path, kept)
    return gone.num_rows, gone


def cascade(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    rows: pa.Table,
    *,
    batch_cutoffs: pa.Table | None = None,
    gone_people: list[str] | None = None,
    extra_flag_ids: list[str] | None = None,
    write: bool,
) -> DerivedCounts:
    """Find (and with ``write`` delete) everything derived from ``rows``.

    ``rows`` has columns source, batch_id, row_number and record_id (registry record, or null).
    """
    counts = DerivedCounts()
    con.register("__rows", rows.select(["source", "batch_id", "row_number"]))
    con.register(
        "__cut", batch_cutoffs if batch_cutoffs is not None else CUTOFF_SCHEMA.empty_table()
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __gone_values (metric VARCHAR, subject_id VARCHAR, period_start DATE)"
    )
    ev = metric_evidence_file(ws)
    if ev.exists():
        cols = pq.read_schema(ev).names
        key = "t.metric" if "metric" in cols else "CAST(NULL AS VARCHAR)"
        match = (
            "EXISTS (SELECT 1 FROM __rows r WHERE r.source = t.source "
            "AND r.batch_id = t.batch_id AND r.row_number = t.row_number)"
        )
        read = "read_parquet('" + str(ev).replace("'", "''") + "')"
        con.execute(
            f"INSERT INTO __gone_values SELECT DISTINCT {key}, t.subject_id, t.period_start "
            f"FROM {read} t WHERE {match}"
        )
        # Evidence of every value that goes goes with it, not just the expired rows.
        counts.metric_evidence, _ = _filter(
            con,
            ev,
            "EXISTS (SELECT 1 FROM __gone_values g WHERE g.subject_id = t.subject_id "
            "AND g.period_start = t.period_start AND (g.metric IS NULL OR g.metric = "
            + ("t.metric" if "metric" in cols else "g.metric")
            + "))",
            write,
        )
    mv = metric_values_file(ws)
    gone_values = pa.table({})
    if mv.exists():
        cond = (
            "(t.subject_type = 'person' AND EXISTS (SELECT 1 FROM __gone_values g "
            "WHERE g.subject_id = t.subject_id AND g.period_start = t.period_start "
            "AND (g.metric IS NULL OR g.metric = t.metric))) OR EXISTS (SELECT 1 FROM __cut c "
            "WHERE list_contains(t.batch_ids, c.batch_id) AND t.period_start < c.cutoff)"
        )
        counts.metric_values, gone_values = _filter(con, mv, cond, write)
    counts.flag_ids, counts.flags = _flags(ws, rows, gone_values, extra_flag_ids or [], write)
    counts.linkage = _linkage(ws, con, rows, gone_people or [], write)
    con.unregister("__rows")
    con.unregister("__cut")
    return counts


def _flags(
    ws: Workspace, rows: pa.Table, gone_values: pa.Table, extra: list[str], write: bool
) -> tuple[list[str], int]:
    path = flags_file(ws)
    if not path.exists():
        return [], 0
    table = pq.read_table(path)
    gone_rows = {
        (r["source"], r["batch_id"], int(r["row_number"]))
        for r in rows.select(["source", "batch_id", "row_number"]).to_pylist()
    }
    gone_keys = set()
    if gone_values.num_rows:
        for r in gone_values.select(["metric", "subject_id", "period_start"]).to_pylist():
            gone_keys.add((r["metric"], r["subject_id"], r["period_start"]))
    extra_ids = set(extra)
    drop: list[str] = []
    keep_mask: list[bool] = []
    for f in table.select(
        ["flag_id", "person_id", "metric", "period_start", "evidence"]
    ).to_pylist():
        evidence = json.loads(f["evidence"] or "[]")
        hit = any((e["source"], e["batch_id"], int(e["row_number"])) in gone_rows for e in evidence)
        hit = hit or (f["metric"], f["person_id"], f["period_start"]) in gone_keys
        hit = hit or f["flag_id"] in extra_ids
        keep_mask.append(not hit)
        if hit:
            drop.append(f["flag_id"])
    if drop and write:
        _replace(path, table.filter(pa.array(keep_mask)))
    return drop, len(drop)


def _linkage(
    ws: Workspace, con: duckdb.DuckDBPyConnection, rows: pa.Table, people: list[str], write: bool
) -> int:
    records = sorted({r for r in rows.column("record_id").to_pylist() if r})
    if not records and not people:
        return 0
    con.register("__rec", pa.table({"v": pa.array(records, type=pa.string())}))
    con.register("__ppl", pa.table({"v": pa.array(people, type=pa.string())}))
    total = 0
    try:
        for path in linkage_files(ws):
            cols = pq.read_schema(path).names
            conds = []
            if "record_id" in cols:
                conds.append("CAST(t.record_id AS VARCHAR) IN (SELECT v FROM __rec)")
            if "person_id" in cols:
                conds.append("t.person_id IN (SELECT v FROM __ppl)")
            if conds:
                n, _ = _filter(con, path, " OR ".join(conds), write)
                total += n
    finally:
        con.unregister("__rec")
        con.unregister("__ppl")
    return total
