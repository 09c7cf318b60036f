from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest


def month(m: int) -> date:
    return date(2026, m, 1)


def metric_rows(metric: str, values: dict[tuple[str, int], float], *, group: str = "U1"):
    """metric_values rows for persons in one peer group; peer stats computed like the runner."""
    rows = []
    months = sorted({m for _, m in values})
    for m in months:
        vals = [v for (p, mm), v in values.items() if mm == m]
        ordered = sorted(vals)
        med = (
            ordered[len(ordered) // 2]
            if len(ordered) % 2
            else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2
        )
        devs = sorted(abs(v - med) for v in vals)
        mad = (
            devs[len(devs) // 2]
            if len(devs) % 2
            else (devs[len(devs) // 2 - 1] + devs[len(devs) // 2]) / 2
        )
        for (p, mm), v in sorted(values.items()):
            if mm != m:
                continue
            pct = 100.0 * sum(1 for x in vals if x <= v) / len(vals)
            rows.append(
                {
                    "subject_type": "person",
                    "subject_id": p,
                    "metric": metric,
                    "version": 1,
                    "tier": "tertiary",
                    "period_start": month(m),
                    "period_end": date(2026, m, 28),
                    "value": v,
                    "suppressed": False,
                    "peer_group": group,
                    "peer_n": len(vals),
                    "peer_median": med,
                    "peer_mad": mad,
                    "peer_percentile": pct,
                }
            )
    return rows


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.fixture
def load_metric(con):
    """Register hand-made metric values for one metric as the ``metric_values`` relation."""

    def _load(values: dict[tuple[str, int], float], metric: str = "m") -> None:
        con.register("metric_values", pa.Table.from_pylist(metric_rows(metric, values)))

    return _load
