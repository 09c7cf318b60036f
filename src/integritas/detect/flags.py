"""Flags in the warehouse (``derived/flags.parquet``) and the hand-off to human review.

Every run rewrites the flag set: flag ids are derived from rule, version, person and period,
so a flag that is raised again keeps its id and the operational store can de-duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from integritas.detect.engine import Suppressed
from integritas.detect.models import Flag, Mode
from integritas.settings import Workspace

FLAG_SCHEMA = pa.schema(
    [
        ("flag_id", pa.string()),
        ("person_id", pa.string()),
        ("rule", pa.string()),
        ("rule_version", pa.int32()),
        ("tier", pa.string()),
        ("severity", pa.string()),
        ("mode", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("peer_median", pa.float64()),
        ("peer_mad", pa.float64()),
        ("peer_n", pa.int64()),
        ("peer_low", pa.float64()),
        ("peer_high", pa.float64()),
        ("robust_z", pa.float64()),
        ("percentile", pa.float64()),
        ("periods_hit", pa.int32()),
        ("evidence", pa.string()),  # JSON list of {source, batch_id, row_number}
        ("batch_ids", pa.list_(pa.string())),
        ("explanation", pa.string()),
        ("scenario", pa.string()),
    ]
)


class FlagSink(Protocol):
    """The other side of the hand-off: the operational store's review workflow."""

    def receive(self, flags: Sequence[Flag]) -> int:
        """Take live flags for review; return how many were new."""
        ...


def flags_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "flags.parquet"


def suppressions_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "flag_suppressions.parquet"


def to_table(flags: Iterable[Flag]) -> pa.Table:
    rows = []
    for f in flags:
        row = f.model_dump(mode="python")
        row["tier"], row["severity"], row["mode"] = str(f.tier), str(f.severity), str(f.mode)
        row["evidence"] = json.dumps([e.model_dump() for e in f.evidence])
        row["batch_ids"] = sorted({e.batch_id for e in f.evidence})
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=FLAG_SCHEMA)


def write_flags(ws: Workspace, flags: Sequence[Flag], suppressed: Sequence[Suppressed]) -> Path:
    """Replace the warehouse flag set atomically (write then rename)."""
    path = flags_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(to_table(flags), tmp)
    tmp.replace(path)
    sup = pa.Table.from_pylist(
        [vars(s) for s in suppressed],
        schema=pa.schema(
            [
                ("person_id", pa.string()),
                ("rule", pa.string()),
                ("rule_version", pa.int32()),
                ("period_start", pa.date32()),
                ("suppressor", pa.string()),
                ("reason", pa.string()),
            ]
        ),
    )
    stmp = suppressions_path(ws).with_suffix(".parquet.tmp")
    pq.write_table(sup, stmp)
    stmp.replace(suppressions_path(ws))
    return path


def read_flags(ws: Workspace) -> pa.Table:
    path = flags_path(ws)
    return pq.read_table(path) if path.exists() else FLAG_SCHEMA.empty_table()


def hand_off(flags: Sequence[Flag], sink: FlagSink) -> int:
    """Give LIVE flags to review. Shadow flags are measured, never shown for triage."""
    return sink.receive([f for f in flags if f.mode is Mode.LIVE])
