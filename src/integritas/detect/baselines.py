"""Two baselines that real forces use, scored in the same run as our rules.

- **Fixed count in a window**: a tertiary indicator whenever a count metric reaches a fixed
  number in the period (the "3 complaints in 180 days" style of threshold early-warning system).
- **Unit-only z-score**: a tertiary indicator whenever a value is more than ``z`` standard
  deviations above the mean of the person's unit for the period, with no context and no
  persistence.
"""

from __future__ import annotations

from typing import Any

from integritas.detect.evaluation import ScoredFlag


def _flags(con: Any, sql: str) -> list[ScoredFlag]:
    return [
        ScoredFlag(person_id=r[0], tier="tertiary", period_start=r[1], period_end=r[2], rule=r[3])
        for r in con.execute(sql).fetchall()
    ]


def fixed_count_baseline(
    con: Any, *, count: float = 3, metric_values: str = "metric_values"
) -> list[ScoredFlag]:
    return _flags(
        con,
        f"""
        SELECT DISTINCT subject_id, period_start, period_end, metric FROM {metric_values}
        WHERE subject_type = 'person' AND tier = 'tertiary' AND value >= {float(count)!r}
        """,
    )


def unit_z_baseline(
    con: Any, *, z: float = 3.0, metric_values: str = "metric_values"
) -> list[ScoredFlag]:
    return _flags(
        con,
        f"""
        WITH s AS (
            SELECT *, avg(value) OVER w AS mu, stddev_samp(value) OVER w AS sd
            FROM {metric_values}
            WHERE subject_type = 'person' AND tier = 'tertiary' AND value IS NOT NULL
            WINDOW w AS (PARTITION BY metric, peer_group, period_start)
        )
        SELECT DISTINCT subject_id, period_start, period_end, metric FROM s
        WHERE sd > 0 AND (value - mu) / sd > {float(z)!r}
        """,
    )
