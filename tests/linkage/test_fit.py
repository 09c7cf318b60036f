"""Training on the generator, whose true links never change a postcode or a date of birth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from integritas.linkage.fit import fit_model, training_registry


def _levels(model: dict[str, object], comparison: str) -> dict[str, float]:
    comps = model["comparisons"]  # type: ignore[index]
    comp = next(c for c in comps if c["output_column_name"] == comparison)  # type: ignore[attr-defined]
    return {
        lv["label_for_charts"]: lv["m_probability"]
        for lv in comp["comparison_levels"]
        if not lv.get("is_null_level")
    }


@pytest.mark.slow
def test_a_level_no_match_shows_does_not_derail_the_next_pass(
    stage_generated: Callable[[int, int, int], tuple[Any, Any]],
) -> None:
    # The first EM pass sees no true link whose postcode district agrees without the full
    # postcode (m = 0). The second pass blocks on the district; unsmoothed, it started from a
    # prior of 0 and settled on "matches are the pairs with swapped names" (m = 1.0).
    con, _ = stage_generated(5_000, 200_000, 7)
    from splink import DuckDBAPI

    api = DuckDBAPI(connection=con)
    model = fit_model(
        con,
        lambda table, name: api.register(table, dataset_display_name=name),
        n_staff=5_000,
        n_reg=200_000,
        u_max_pairs=2e6,
        seed=42,
    )
    forename = _levels(model, "forename")
    assert forename["forename agrees exactly"] > 0.6
    assert forename["forename and surname swapped"] < 0.15
    assert _levels(model, "postcode")["full postcode agrees"] > 0.9
    assert 0 < model["probability_two_random_records_match"] < 1e-4  # type: ignore[operator]


def test_training_samples_a_big_registry_by_id(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE linkage_registry AS SELECT 'R' || i AS unique_id FROM range(20000) t(i)"
    )
    assert training_registry(con, 20_000, rows=50_000) == "linkage_registry"
    name = training_registry(con, 20_000, rows=5_000)
    first = {r[0] for r in con.execute(f"SELECT unique_id FROM {name}").fetchall()}
    again = training_registry(con, 20_000, rows=5_000)
    assert {r[0] for r in con.execute(f"SELECT unique_id FROM {again}").fetchall()} == first
    assert 4_500 < len(first) < 5_500
