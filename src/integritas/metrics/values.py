"""The derived tables the runner writes: ``metric_values`` and ``metric_evidence`` (Parquet).

Schemas are pinned here (docs/architecture.md, "Derived tables"); files are replaced
atomically (temporary file in the same folder, then rename) so readers never see a part.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from integritas.settings import Workspace

VALUES_SCHEMA = pa.schema(
    [
        ("subject_type", pa.string()),
        ("subject_id", pa.string()),
        ("metric", pa.string()),
        ("version", pa.int64()),
        ("tier", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("value", pa.float64()),
        ("suppressed", pa.bool_()),
        ("n_people", pa.int64()),
        ("peer_group", pa.string()),
        ("peer_n", pa.int64()),
        ("peer_median", pa.float64()),
        ("peer_mad", pa.float64()),
        ("peer_percentile", pa.float64()),
        ("batch_ids", pa.list_(pa.string())),
        ("computed_at", pa.timestamp("us", tz="UTC")),
    ]
)

EVIDENCE_SCHEMA = pa.schema(
    [
        ("metric", pa.string()),
        ("version", pa.int64()),
        ("subject_id", pa.string()),
        ("period_start", pa.date32()),
        ("source", pa.string()),
        ("batch_id", pa.string()),
        ("row_number", pa.int64()),
    ]
)


def derived_dir(ws: Workspace) -> Path:
    return ws.home / "derived"


def values_path(ws: Workspace) -> Path:
    return derived_dir(ws) / "metric_values.parquet"


def evidence_path(ws: Workspace) -> Path:
    return derived_dir(ws) / "metric_evidence.parquet"


def read_table(path: Path, schema: pa.Schema) -> pa.Table:
    """The stored table, or an empty one with ``schema`` when the file does not exist."""
    if not path.exists():
        return schema.empty_table()
    return pq.read_table(path, schema=schema)


def read_values(ws: Workspace) -> pa.Table:
    return read_table(values_path(ws), VALUES_SCHEMA)


def read_evidence(ws: Workspace) -> pa.Table:
    return read_table(evidence_path(ws), EVIDENCE_SCHEMA)


def write_atomic(path: Path, table: pa.Table, schema: pa.Schema) -> None:
    """Write ``table`` (cast to exactly ``schema``) to ``path`` via a temporary file + rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = table.select(schema.names).cast(schema)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(data, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
