"""The Spark backend links what DuckDB links (a small generator run; starts a JVM)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from integritas.linkage.engine import DEFAULT_THRESHOLD, train_and_predict
from integritas.linkage.standardise import register_nicknames, registry_table, staff_table
from integritas.linkage.synthetic import generate


@pytest.mark.spark
@pytest.mark.slow
def test_spark_links_what_duckdb_links(tmp_path: Path) -> None:
    staff, registry, truth = generate(200, 4_000, seed=3)
    pq.write_table(staff, tmp_path / "s.parquet")
    pq.write_table(registry, tmp_path / "r.parquet")
    con = duckdb.connect()
    register_nicknames(con)
    staff_table(con, [tmp_path / "s.parquet"])
    registry_table(con, [tmp_path / "r.parquet"])
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
