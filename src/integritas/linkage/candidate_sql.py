"""The candidates table of a run, built in one DuckDB query from the scored pairs.

Per-field contributions (JSON) and the plain-language explanation are the same as
``explain.contributions`` and ``explain.explanation`` give for one row (the tests hold them
to it), but computed column-wise: a 50k x 5M run writes tens of thousands of candidates,
and a Python loop over them cost more than the prediction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integritas.linkage.explain import PRIOR_LEVEL, LevelLabels

CARRIED = ["organisation_name", "organisation_id", "role", "start_date", "end_date"]
"""Registry columns a candidate carries for the reviewer."""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _level_sql(field: str, by_gamma: dict[int, str]) -> str:
    whens = " ".join(f"WHEN {g} THEN {_literal(lab)}" for g, lab in sorted(by_gamma.items()))
    return f"CASE gamma_{field} {whens} ELSE 'level ' || gamma_{field} END"


def _weight_sql(field: str, columns: set[str]) -> str:
    # Splink 5 gives each comparison's log2 Bayes factor as mw_<name> and the
    # term-frequency adjustment (surname) as mw_tf_adj_<name>.
    tf = f"mw_tf_adj_{field}"
    if tf in columns:
        return f"(mw_{field} + CASE WHEN isnan({tf}) THEN 0 ELSE coalesce({tf}, 0) END)"
    return f"mw_{field}"


_DETAIL = {
    # The values behind a name's agreement, registry side first.
    "forename": "CASE WHEN forename_l <> forename_r THEN forename_r || '/' || forename_l END",
    "surname": "CASE WHEN surname_l <> surname_r THEN surname_r || '/' || surname_l END",
}


def candidates_table(
    con: Any,
    scored: str,
    *,
    registry: str,
    run_id: str,
    labels: LevelLabels,
    carried: list[str],
) -> Any:
    """``scored``: a relation of predicted pairs (Splink's columns, intermediate ones kept)
    joined with the registry's ``carried`` columns. Returns the candidates as Arrow."""
    columns = {str(d[0]) for d in con.execute(f"SELECT * FROM {scored} LIMIT 0").description}
    fields = list(labels.labels)
    prior = float(labels.prior_weight)
    levels = {f: _level_sql(f, labels.labels[f]) for f in fields}
    weights = {f: _weight_sql(f, columns) for f in fields}
    details = {f: _DETAIL.get(f, "NULL") for f in fields}
    per_field = ", ".join(
        f"{levels[f]} AS level_{f}, {weights[f]} AS w_{f}, {details[f]} AS detail_{f}"
        for f in fields
    )
    structs = [
        f"{{'field': 'prior', 'level': {_literal(PRIOR_LEVEL)}, "
        f"'bayes_factor': pow(2.0, {prior!r}), 'weight': {prior!r}::DOUBLE}}"
    ] + [
        f"{{'field': {_literal(f)}, 'level': level_{f}, 'bayes_factor': pow(2.0, w_{f}), "
        f"'weight': w_{f}}}"
        for f in fields
    ]
    parts = [
        f"level_{f} || coalesce(': ' || detail_{f}, '') || ' (' || printf('%+.1f', w_{f}) || ')'"
        for f in fields
    ]
    total = " + ".join([f"{prior!r}::DOUBLE"] + [f"w_{f}" for f in fields])
    carried_sql = "".join(f", {c}" for c in carried)
    sql = f"""
    WITH f AS (SELECT *, {per_field} FROM {scored})
    SELECT 'LC-' || left(sha256({_literal(registry)} || chr(31) || unique_id_l || chr(31)
                                || unique_id_r), 16) AS candidate_id,
      {_literal(run_id)} AS run_id, {_literal(registry)} AS registry,
      unique_id_l AS person_id, unique_id_r AS record_id,
      match_weight::DOUBLE AS match_weight, match_probability::DOUBLE AS match_probability,
      to_json([{", ".join(structs)}])::VARCHAR AS contributions,
      concat_ws('; ', {", ".join(parts)}) || '; starting from a prior of '
        || printf('%+.1f', {prior!r}) || ', total ' || printf('%+.1f', {total}) AS explanation
      {carried_sql}
    FROM f ORDER BY match_weight DESC, person_id, record_id
    """
    return con.execute(sql).to_arrow_table()


def scored_candidates(
    con: Any, preds: Any, model: dict[str, Any], *, registry: str, run_id: str, files: list[Path]
) -> Any:
    """The candidates of a run: predicted pairs (Arrow) with the registry's ``CARRIED``
    columns read from its Parquet ``files``, explained."""
    con.register("linkage_preds", preds)
    quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in CARRIED)
    # Only the records that are candidates are read (a registry may hold millions).
    con.execute(
        "CREATE OR REPLACE TEMP VIEW linkage_scored AS SELECT p.*, r.* EXCLUDE (record_id) "
        "FROM linkage_preds p JOIN ("
        f"  SELECT DISTINCT ON (record_id) CAST(record_id AS VARCHAR) AS record_id, {cols} "
        f"  FROM read_parquet([{quoted}], union_by_name = true) "
        "  WHERE CAST(record_id AS VARCHAR) IN (SELECT unique_id_r FROM linkage_preds)"
        ") r ON r.record_id = p.unique_id_r"
    )
    return candidates_table(
        con,
        "linkage_scored",
        registry=registry,
        run_id=run_id,
        labels=LevelLabels.from_model(model),
        carried=CARRIED,
    )
