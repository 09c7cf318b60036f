"""Multivariate anomaly scores over a person's metric vector against peers.

Each person-period becomes a vector of peer-relative robust z-scores (one per person-level
metric). An IsolationForest scores how unusual the vector is; the explanation names the metrics
that contribute most (their share of the summed absolute z). An anomaly score alone can raise at
most a secondary "worth a look" flag, never a tertiary one: it says "unusual", not "wrong".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from integritas.detect.models import Flag, Mode, Severity, Tier

ANOMALY_RULE = "anomaly_worth_a_look"
ANOMALY_VERSION = 1


@dataclass(frozen=True)
class AnomalySettings:
    contamination: float = 0.01  # share of person-periods raised at most
    min_metrics: int = 5  # a vector needs this many metrics with peer context
    top_contributors: int = 3
    seed: int = 20261122
    mode: Mode = Mode.SHADOW


def _vectors(con: Any, metric_values: str) -> tuple[list[tuple[str, Any, Any]], list[str], Any]:
    rows = con.execute(
        f"""
        SELECT subject_id, period_start, period_end, metric,
               (value - peer_median) / greatest(1.4826 * coalesce(peer_mad, 0), 1.0) AS z
        FROM {metric_values}
        WHERE subject_type = 'person' AND tier IN ('secondary', 'tertiary')
          AND value IS NOT NULL AND peer_median IS NOT NULL
        ORDER BY subject_id, period_start, metric
        """
    ).fetchall()
    metrics = sorted({r[3] for r in rows})
    col = {m: i for i, m in enumerate(metrics)}
    keys: dict[tuple[str, Any], int] = {}
    ends: dict[tuple[str, Any], Any] = {}
    for r in rows:
        keys.setdefault((r[0], r[1]), len(keys))
        ends[(r[0], r[1])] = r[2]
    matrix = np.full((len(keys), len(metrics)), np.nan)
    for r in rows:
        matrix[keys[(r[0], r[1])], col[r[3]]] = r[4]
    ordered = [(k[0], k[1], ends[k]) for k in keys]
    return ordered, metrics, matrix


def score_anomalies(
    con: Any, *, settings: AnomalySettings | None = None, metric_values: str = "metric_values"
) -> list[Flag]:
    """Secondary 'worth a look' flags for the most unusual person-periods."""
    from sklearn.ensemble import IsolationForest

    s = settings or AnomalySettings()
    keys, metrics, matrix = _vectors(con, metric_values)
    if not keys:
        return []
    enough = (~np.isnan(matrix)).sum(axis=1) >= s.min_metrics
    if enough.sum() < 20:
        return []
    x = np.nan_to_num(matrix[enough], nan=0.0)
    kept = [k for k, ok in zip(keys, enough, strict=True) if ok]
    forest = IsolationForest(
        n_estimators=200, contamination=s.contamination, random_state=s.seed
    ).fit(x)
    raised = forest.predict(x) == -1
    scores = -forest.score_samples(x)
    flags = []
    for i in np.flatnonzero(raised):
        person, start, end = kept[i]
        z = x[i]
        share = np.abs(z) / max(np.abs(z).sum(), 1e-9)
        top = np.argsort(-np.abs(z))[: s.top_contributors]
        parts = [
            f"{metrics[j]} ({'above' if z[j] > 0 else 'below'} peers, z={z[j]:+.1f}, "
            f"{share[j]:.0%} of the difference)"
            for j in top
        ]
        fid = hashlib.sha256(f"{ANOMALY_RULE}|{person}|{start}".encode()).hexdigest()[:16]
        flags.append(
            Flag(
                flag_id="F-" + fid.upper(),
                person_id=person,
                rule=ANOMALY_RULE,
                rule_version=ANOMALY_VERSION,
                tier=Tier.SECONDARY,
                severity=Severity.LOW,
                mode=s.mode,
                period_start=start,
                period_end=end,
                metric="anomaly_score",
                value=float(scores[i]),
                peer_median=None,
                peer_mad=None,
                peer_n=len(kept),
                peer_low=None,
                peer_high=None,
                robust_z=None,
                percentile=None,
                periods_hit=1,
                evidence=(),
                explanation=(
                    "Worth a look, not a concern in itself: this person's pattern across "
                    f"{len(metrics)} indicators is unusual compared with colleagues "
                    f"(anomaly score {scores[i]:.2f}). Largest contributions: "
                    + "; ".join(parts)
                    + "."
                ),
                scenario="unusual_pattern",
            )
        )
    return flags
