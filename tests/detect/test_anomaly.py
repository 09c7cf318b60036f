from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from integritas.detect.anomaly import AnomalySettings, score_anomalies
from integritas.detect.models import Tier


def test_anomaly_raises_only_secondary_flags_naming_the_driving_metric(con) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for p in range(200):
        for m in range(6):
            value = float(rng.normal(10, 1))
            if p == 0 and m == 3:
                value = 40.0  # one person far from peers on one metric
            rows.append(
                dict(
                    subject_type="person",
                    subject_id=f"P-{p:012d}",
                    metric=f"metric_{m}",
                    tier="tertiary",
                    period_start=date(2026, 1, 1),
                    period_end=date(2026, 1, 31),
                    value=value,
                    peer_median=10.0,
                    peer_mad=0.7,
                )
            )
    con.register("metric_values", pa.Table.from_pylist(rows))
    flags = score_anomalies(con, settings=AnomalySettings(contamination=0.01))
    assert flags and all(f.tier is Tier.SECONDARY for f in flags)
    top = next(f for f in flags if f.person_id == "P-000000000000")
    assert "metric_3 (above peers" in top.explanation
    assert "not a concern in itself" in top.explanation
