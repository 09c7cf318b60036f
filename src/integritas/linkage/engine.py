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

from integritas.linkage.comparisons import TRAINING_RULES, settings, training_blocking_rules
from integritas.linkage.explain import LevelLabels, contributions, explanation
from integritas.linkage.inputs import LinkageInputError, registry_files, staff_files
from integritas.linkage.standardise import register_nicknames, registry_table, staff_table
from integritas.linkage.training import (
    DETERMINISTIC_RULES,
    RECALL_OF_DETERMINISTIC_RULES,
    refine_prior,
    refined_prior,
    smooth_m,
)
from integritas.settings import Workspace

MIN_TRAINING_PAIRS = 200
"""An EM pass needs at least this many pairs to be worth running (else the next rule)."""
DEFAULT_THRESHOLD = 0.9
"""Match probability at and above which a candidate counts as a match (and is reviewed)."""
CANDIDATE_FLOOR = 0.5
"""Pairs below this are not written at all."""

_CARRIED = ["organisation_name", "organisation_id", "role", "start_date", "end_date"]


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

        from integritas.settings import EngineSettings

        spark = SparkSession.builder.master(EngineSettings().spark_master).getOrCreate()
        from splink import SparkAPI

        return SparkAPI(spark_session=spark)
    from splink import DuckDBAPI

    return DuckDBAPI(connection=con)


def _estimated_prior(con: Any, n_staff: int, n_reg: int) -> float:
    """How likely two random records match, from pairs that are near-certain matches
    (``training.DETERMINISTIC_RULES``) scaled up by their assumed recall; kept between one
    match in the whole product and one registry entry per member of staff."""
    pairs = 0
    for cols in DETERMINISTIC_RULES:
        on = " AND ".join(f"l.{c} = r.{c}" for c in cols)
        pairs = max(
            pairs,
            int(
                con.execute(
                    f"SELECT count(DISTINCT (l.unique_id, r.unique_id)) FROM linkage_staff l "
                    f"JOIN linkage_registry r ON {on}"
                ).fetchall()[0][0]
            ),
        )
    total = max(1, n_staff * n_reg)
    matches = pairs / RECALL_OF_DETERMINISTIC_RULES
    return min(_prior(n_staff, n_reg), max(1.0 / total, matches / total))


def _prior(n_staff: int, n_registry: int) -> float:
    # Starting guess: up to one registry entry per member of staff; EM refines it.
    return min(0.5, max(1e-9, n_staff / max(1, n_staff * n_registry)))


def _pairs(con: Any, cols: tuple[str, ...], cap: int) -> int:
    """Pairs the rule gives, counted up to ``cap`` (so a loose rule on 5M rows stays cheap)."""
    on = " AND ".join(f"l.{c} = r.{c}" for c in cols)
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM linkage_staff l JOIN linkage_registry r "
        f"ON {on} LIMIT {int(cap)})"
    )
    return int(con.execute(sql).fetchall()[0][0])


def viable_training_rules(
    con: Any, minimum: int = MIN_TRAINING_PAIRS
) -> list[list[tuple[str, ...]]]:
    """For each EM pass, its alternatives worth trying, best first: those giving ``minimum``
    pairs in declared order, then the others that give any pairs, most first. Registries
    differ in what they hold, and an empty rule cannot train."""
    out = []
    for group in TRAINING_RULES:
        counts = [(_pairs(con, cols, minimum), cols) for cols in group]
        enough = [cols for n, cols in counts if n >= minimum]
        rest = [cols for n, cols in sorted(counts, key=lambda c: -c[0]) if 0 < n < minimum]
        if enough or rest:
            out.append(enough + rest)
    return out


def pick_training_rules(con: Any, minimum: int = MIN_TRAINING_PAIRS) -> list[tuple[str, ...]]:
    """The first viable alternative of each EM pass."""
    return [alts[0] for alts in viable_training_rules(con, minimum)]


def _train_em(
    linker: Any, rebuild: Any, con: Any, sample: float
) -> tuple[Any, list[tuple[str, ...]]]:
    """Run each EM pass with its first alternative that trains; returns the linker and the
    rules used.

    Splink 5 refuses an m probability that EM drove to exactly 0 (a level no match showed)
    part-way through updating the model, so after such a failure the linker is rebuilt from
    the last good model (``rebuild(model)``) and the next alternative is tried; the prior in
    ``training.smooth_m`` covers any comparison left untrained.
    """
    used = []
    good = linker.misc.save_model_to_json()
    for alternatives in viable_training_rules(con):
        for cols in alternatives:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    training_blocking_rules([cols])[0], record_sample_proportion=sample
                )
            except ValueError as exc:
                if "below the minimum allowed" not in str(exc):
                    raise
                linker = rebuild(good)
                continue
            good = linker.misc.save_model_to_json()
            used.append(cols)
            break
    return linker, used


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

    from integritas.linkage.training import PRIOR_SLACK_BITS

    db_api = _db_api(backend, con)
    n_staff = con.execute("SELECT count(*) FROM linkage_staff").fetchall()[0][0]
    n_reg = con.execute("SELECT count(*) FROM linkage_registry").fetchall()[0][0]
    if backend == "spark":
        left = db_api.register(con.table("linkage_staff").df(), table_name="a_staff")
        right = db_api.register(con.table("linkage_registry").df(), table_name="b_registry")
    else:
        # Splink orders the two sides by name: "a_staff" keeps staff on the left (_l).
        left = db_api.register("linkage_staff", dataset_display_name="a_staff")
        right = db_api.register("linkage_registry", dataset_display_name="b_registry")
    linker = Linker([left, right], settings(_prior(n_staff, n_reg)), log_level="ERROR")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    linker, _used = _train_em(
        linker,
        lambda model: Linker([left, right], model, log_level="ERROR"),
        con,
        1.0 if n_reg < 1_000_000 else 0.2,
    )
    prior = _estimated_prior(con, n_staff, n_reg)
    trained = linker.misc.save_model_to_json()
    trained["probability_two_random_records_match"] = prior
    model = smooth_m(trained, expected_matches=prior * n_staff * n_reg)
    linker = Linker([left, right], model, log_level="ERROR")
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
    import duckdb

    if not 0.0 < threshold < 1.0:
        raise LinkageInputError([f"threshold {threshold} must lie strictly between 0 and 1"])
    started = time.perf_counter()
    s_files, r_files = staff_files(ws), registry_files(ws, registry)
    run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    folder = linkage_root(ws) / registry / run_id
    con = duckdb.connect()
    register_nicknames(con)
    n_staff = staff_table(con, s_files)
    n_reg = registry_table(con, r_files)
    preds, model = train_and_predict(con, backend=backend, floor=min(CANDIDATE_FLOOR, threshold))
    con.register("linkage_preds", preds)
    quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in r_files)
    cols = ", ".join(f"CAST(r.{c} AS VARCHAR) AS {c}" for c in _CARRIED)
    joined = con.sql(
        f"SELECT p.*, {cols} FROM linkage_preds p JOIN "
        f"(SELECT DISTINCT ON (record_id) * FROM read_parquet([{quoted}], union_by_name = true)) r "
        "ON CAST(r.record_id AS VARCHAR) = p.unique_id_r"
    ).to_arrow_table()
    table = _candidates(joined, registry, run_id, LevelLabels.from_model(model))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(model, indent=2), encoding="utf-8")
    import pyarrow.parquet as pq

    tmp = folder / ".candidates.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(folder / "candidates.parquet")
    above = sum(1 for p in table.column("match_probability").to_pylist() if p >= threshold)
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


def _detail(row: dict[str, Any]) -> dict[str, str]:
    """The values behind a field's agreement, for the explanation (registry side only for DOB)."""
    fn_l, fn_r = row.get("forename_l"), row.get("forename_r")
    out = {}
    if fn_l and fn_r and fn_l != fn_r:
        out["forename"] = f"{fn_r}/{fn_l}"
    sn_l, sn_r = row.get("surname_l"), row.get("surname_r")
    if sn_l and sn_r and sn_l != sn_r:
        out["surname"] = f"{sn_r}/{sn_l}"
    return out


def _candidates(joined: Any, registry: str, run_id: str, labels: LevelLabels) -> Any:
    import pyarrow as pa

    rows = joined.to_pylist()
    out: dict[str, list[Any]] = {
        k: []
        for k in [
            "candidate_id",
            "run_id",
            "registry",
            "person_id",
            "record_id",
            "match_weight",
            "match_probability",
            "contributions",
            "explanation",
            *_CARRIED,
        ]
    }
    for row in rows:
        contribs = contributions(row, labels)
        out["candidate_id"].append(candidate_id(registry, row["unique_id_l"], row["unique_id_r"]))
        out["run_id"].append(run_id)
        out["registry"].append(registry)
        out["person_id"].append(row["unique_id_l"])
        out["record_id"].append(row["unique_id_r"])
        out["match_weight"].append(float(row["match_weight"]))
        out["match_probability"].append(float(row["match_probability"]))
        out["contributions"].append(json.dumps([asdict(c) for c in contribs]))
        out["explanation"].append(explanation(contribs, _detail(row)))
        for c in _CARRIED:
            out[c].append(row.get(c))
    return pa.table(out)


def _warehouse_view(ws: Workspace, registry: str, path: Path) -> None:
    """Point ``linkage_candidates_<registry>`` at the latest run (best effort: the warehouse
    may be locked by another process; the Parquet is the record)."""
    import duckdb

    safe = "".join(ch if ch.isalnum() else "_" for ch in registry)
    try:
        with duckdb.connect(str(ws.warehouse)) as wh:
            wh.execute(
                f"CREATE OR REPLACE VIEW linkage_candidates_{safe} AS "
                f"SELECT * FROM read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')"
            )
    except duckdb.IOException:
        pass
