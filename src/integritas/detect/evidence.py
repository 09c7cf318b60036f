"""Evidence rows for flags, read from ``derived/metric_evidence.parquet`` (metrics runner)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from integritas.detect.engine import PersonPeriod
from integritas.detect.models import EvidenceRow
from integritas.settings import Workspace

# A flag cites at most this many rows; the case view pages through the rest by query.
MAX_ROWS_PER_FLAG = 200


def evidence_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "metric_evidence.parquet"


class WarehouseEvidence:
    """Looks up the curated rows behind metric values in one DuckDB connection."""

    def __init__(self, con: Any, path: Path) -> None:
        self._con = con
        self._path = path

    def evidence(
        self, metric: str, keys: Sequence[PersonPeriod]
    ) -> Mapping[PersonPeriod, list[EvidenceRow]]:
        out: dict[PersonPeriod, list[EvidenceRow]] = defaultdict(list)
        if not keys or not self._path.exists():
            return out
        import pyarrow as pa

        wanted = pa.table(
            {
                "subject_id": [k[0] for k in keys],
                "period_start": pa.array([k[1] for k in keys], pa.date32()),
            }
        )
        self._con.register("_wanted_evidence", wanted)
        try:
            rows = self._con.execute(
                """
                SELECT e.subject_id, e.period_start, e.source, e.batch_id, e.row_number
                FROM read_parquet(?) e
                JOIN _wanted_evidence w USING (subject_id, period_start)
                WHERE e.metric = ?
                QUALIFY row_number() OVER (
                    PARTITION BY e.subject_id, e.period_start ORDER BY e.source, e.row_number
                ) <= ?
                ORDER BY 1, 2, 3, 5
                """,
                [str(self._path), metric, MAX_ROWS_PER_FLAG],
            ).fetchall()
        finally:
            self._con.unregister("_wanted_evidence")
        for subject, period, source, batch, row in rows:
            out[(subject, period)].append(
                EvidenceRow(source=source, batch_id=batch, row_number=int(row))
            )
        return out
