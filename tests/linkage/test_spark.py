"""The Spark backend links what DuckDB links (a small generator run; starts a JVM)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from integritas.linkage.engine import DEFAULT_THRESHOLD, train_and_predict


@pytest.mark.spark
@pytest.mark.slow
def test_spark_links_what_duckdb_links(
    stage_generated: Callable[[int, int, int], tuple[Any, Any]],
) -> None:
    con, truth = stage_generated(200, 4_000, 3)
    found = {}
    for backend in ("duckdb", "spark"):
        preds, model = train_and_predict(con, backend=backend)  # type: ignore[arg-type]
        rows = preds.select(["unique_id_l", "unique_id_r", "match_probability"]).to_pylist()
        found[backend] = {
            (r["unique_id_l"], r["unique_id_r"])
            for r in rows
            if r["match_probability"] >= DEFAULT_THRESHOLD
        }
        assert 0 < model["probability_two_random_records_match"] < 1
    assert found["duckdb"] and len(found["duckdb"] & truth) / len(truth) >= 0.95
    # Sampling for u differs between engines; the links themselves must not.
    assert len(found["spark"] ^ found["duckdb"]) <= 0.02 * len(found["duckdb"])
