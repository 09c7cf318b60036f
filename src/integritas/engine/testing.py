"""Write hand-made curated batches straight into a workspace (tests and benchmarks only).

Rows are dictionaries of curated columns; missing columns are null. The batch is committed
with a manifest exactly as ingest would, so every reader sees it through ``ingest.layout``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from integritas.engine.backends import source_schema
from integritas.ingest.layout import write_manifest
from integritas.settings import Workspace

_SEQ = itertools.count(1)


def write_batch(
    ws: Workspace, source: str, rows: list[dict[str, Any]], *, batch_id: str | None = None
) -> str:
    """Commit ``rows`` as one curated batch of ``source``; return its batch id."""
    now = datetime.now(UTC)
    bid = batch_id or f"B-{now:%Y%m%d-%H%M%S}-t{next(_SEQ):07d}"
    schema = source_schema(source)
    data = {}
    for f in schema:
        if f.name == "_batch_id":
            data[f.name] = pa.array([bid] * len(rows), f.type)
        elif f.name == "_row_number":
            data[f.name] = pa.array(range(1, len(rows) + 1), f.type)
        else:
            data[f.name] = pa.array([r.get(f.name) for r in rows], f.type)
    unknown = sorted({k for r in rows for k in r} - set(schema.names))
    if unknown:
        raise ValueError(f"{source}: no curated columns {unknown}")
    rel = f"curated/{source}/{bid}.parquet"
    (ws.home / rel).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data, schema=schema), ws.home / rel)
    write_manifest(
        ws,
        {
            "batch_id": bid,
            "source": source,
            "status": "committed",
            "committed_at": now.isoformat(),
            "curated_files": [rel],
            "vault_files": [],
            "rows_loaded": len(rows),
        },
    )
    return bid
