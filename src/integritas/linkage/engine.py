"""Run a linkage: standardise, train by EM without labels, predict, explain, write.

Output per run: ``derived/linkage/<registry>/<run_id>/`` with ``model.json`` (the trained
Splink model), ``candidates.parquet`` and ``run.json``; a warehouse view
``linkage_candidates_<registry>`` points at the latest run.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from integritas.engine import duck
from integritas.linkage.candidate_sql import scored_candidates
from integritas.linkage.fit import fit_model
from integritas.linkage.inputs import LinkageInputError, registry_files, staff_files
from integritas.linkage.standardise import register_nicknames, registry_table, staff_table
from integritas.linkage.training import PRIOR_SLACK_BITS, refine_prior, refined_prior
from integritas.settings import Workspace

DEFAULT_THRESHOLD = 0.9
"""Match probability at and above which a candidate counts as a match (and is reviewed)."""
CANDIDATE_FLOOR = 0.5
"""Pairs below this are not written at all."""


@dataclass(frozen=True)
class RunResult:
    """What a linkage run produced."""

    run_id: str
    registry: str
    folder: Path
    staff_rows: int
    registry_rows: int
    candidates: int
    above_threshold: int
    threshold: float
    seconds: float


def candidate_id(registry: str, person_id: str, record_id: str) -> str:
    """Stable across runs, so a review decision keeps pointing at the same pair."""
    digest = hashlib.sha256(f"{registry}\x1f{person_id}\x1f{record_id}".encode()).hexdigest()
    return "LC-" + digest[:16]


def linkage_root(ws: Workspace) -> Path:
    return ws.home / "derived" / "linkage"


def _db_api(backend: Literal["duckdb", "spark"], con: Any) -> Any:
    if backend == "spark":
        from pyspark.sql import SparkSession  # lazy: only when configured
        from splink import SparkAPI
        from splink.backends.spark import similarity_jar_location

        from integritas.settings import EngineSettings

        # Splink's string-similarity functions (Jaro-Winkler, Damerau-Levenshtein) are Java
        # UDFs shipped as a jar; a session created here loads it.
        spark = (
            SparkSession.builder.master(EngineSettings().spark_master)
            .config("spark.jars", similarity_jar_location())
            .getOrCreate()
        )

        # Splink breaks lineage by checkpointing, which needs a checkpoint folder; a
        # session without one caches in memory instead.
        lineage = None if spark.sparkContext.getCheckpointDir() else "persist"
        return SparkAPI(spark_session=spark, break_lineage_method=lineage)
    from splink import DuckDBAPI

    return DuckDBAPI(connection=con)


def train_and_predict(
    con: Any,
    *,
    backend: Literal["duckdb", "spark"] = "duckdb",
    floor: float = CANDIDATE_FLOOR,
    u_max_pairs: float = 2e6,
    seed: int = 42,
) -> tuple[Any, dict[str, Any]]:
    """Train on ``linkage_staff`` x ``linkage_registry`` (already in ``con``); predict.

    Returns the predictions as a PyArrow table and the trained model dictionary.
    """
    import pyarrow.compute as pc
    from splink import Linker

    n_staff = con.execute("SELECT count(*) FROM linkage_staff").fetchall()[0][0]
    n_reg = con.execute("SELECT count(*) FROM linkage_registry").fetchall()[0][0]

    def registrar(db_api: Any) -> Any:
        def register(table: str, name: str) -> Any:
            if backend == "spark":
                # Through Arrow: pandas would hand Spark list columns it cannot type.
                frame = db_api.spark.createDataFrame(con.table(table).to_arrow_table())
                return db_api.register(frame, table_name=name)
            return db_api.register(table, dataset_display_name=name)

        return register

    # Training and prediction each get their own Splink database API: Splink caches
    # intermediate tables (term frequencies, stacked inputs) per API by name, and training
    # may read a registry sample that prediction must not reuse.
    train_api = _db_api(backend, con)
    model = fit_model(
        con,
        registrar(train_api),
        n_staff=n_staff,
        n_reg=n_reg,
        u_max_pairs=u_max_pairs,
        seed=seed,
    )
    train_api.delete_tables_created_by_splink_from_db()
    prior = float(model["probability_two_random_records_match"])
    register = registrar(_db_api(backend, con))
    sides = [register("linkage_staff", "a_staff"), register("linkage_registry", "b_registry")]
    linker = Linker(sides, model, log_level="ERROR")
    # Predict a little below the floor, re-estimate the prior from the scored pairs, then
    # keep what clears the floor under the re-estimated prior.
    floor_weight = math.log2(floor / (1 - floor))
    wide = linker.inference.predict(threshold_match_weight=floor_weight - PRIOR_SLACK_BITS)
    if backend == "spark":
        table = wide.as_pyarrow_table()
        table, final_prior = refine_prior(table, prior=prior, total_pairs=n_staff * n_reg)
        model["probability_two_random_records_match"] = final_prior
        return table.filter(pc.greater_equal(table["match_probability"], floor)), model
    # DuckDB: only the weights leave the database; the shift and the floor apply in SQL.
    name = wide.physical_name
    weights = con.execute(f"SELECT match_weight FROM {name}").fetchnumpy()["match_weight"]
    final_prior, shift = refined_prior(weights, prior=prior, total_pairs=n_staff * n_reg)
    model["probability_two_random_records_match"] = final_prior
    table = con.execute(
        f"SELECT * REPLACE (match_weight + {shift!r} AS match_weight, "
        f"1.0 / (1.0 + pow(2.0, -(match_weight + {shift!r}))) AS match_probability) "
        f"FROM {name} WHERE match_weight + {shift!r} >= {floor_weight!r}"
    ).to_arrow_table()
    return table, model


def run_linkage(
    ws: Workspace,
    registry: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    backend: Literal["duckdb", "spark"] = "duckdb",
    run_id: str | None = None,
) -> RunResult:
    """Link the staff identity vault against one registry source and write the run."""

    if not 0.0 < threshold < 1.0:
        raise LinkageInputError([f"threshold {threshold} must lie strictly between 0 and 1"])
    started = time.perf_counter()
    s_files, r_files = staff_files(ws), registry_files(ws, registry)
    run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    folder = linkage_root(ws) / registry / run_id
    con = duck.connect(ws)
    register_nicknames(con)
    n_staff = staff_table(con, s_files)
    n_reg = registry_table(con, r_files)
    preds, model = train_and_predict(con, backend=backend, floor=min(CANDIDATE_FLOOR, threshold))
    table = scored_candidates(con, preds, model, registry=registry, run_id=run_id, files=r_files)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(model, indent=2), encoding="utf-8")
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    tmp = folder / ".candidates.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(folder / "candidates.parquet")
    above = int(pc.sum(pc.greater_equal(table["match_probability"], threshold)).as_py() or 0)
    result = RunResult(
        run_id=run_id,
        registry=registry,
        folder=folder,
        staff_rows=n_staff,
        registry_rows=n_reg,
        candidates=table.num_rows,
        above_threshold=above,
        threshold=threshold,
        seconds=round(time.perf_counter() - started, 2),
    )
    meta = {**asdict(result), "folder": str(folder), "backend": backend}
    (folder / "run.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    _warehouse_view(ws, registry, folder / "candidates.parquet")
    return result


def _warehouse_view(ws: Workspace, registry: str, path: Path) -> None:
    """Point ``linkage_candidates_<registry>`` at the latest run (best effort: the warehouse
    may be locked by another process; the Parquet is the record)."""
    import duckdb

    safe = "".join(ch if ch.isalnum() else "_" for ch in registry)
    try:
        with duck.connect(ws, ws.warehouse) as wh:
            wh.execute(
                f"CREATE OR REPLACE VIEW linkage_candidates_{safe} AS "
                f"SELECT * FROM read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')"
            )
    except duckdb.IOException:
        pass
