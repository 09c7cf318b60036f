"""The unsupervised-training safeguards, without a Splink run."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from integritas.linkage.comparisons import M_PRIOR, comparisons
from integritas.linkage.fit import pick_training_rules
from integritas.linkage.training import PSEUDO_MATCHES, refine_prior, smooth_m


def _model(ms: list[float | None]) -> dict[str, object]:
    labels = ["forename agrees exactly", "forename is a known short form", "forename differs"]
    return {
        "probability_two_random_records_match": 0.001,
        "comparisons": [
            {
                "output_column_name": "forename",
                "comparison_levels": [{"is_null_level": True, "label_for_charts": "missing"}]
                + [
                    {"label_for_charts": lab, "m_probability": m}
                    for lab, m in zip(labels, ms, strict=True)
                ],
            }
        ],
    }


def _ms(model: dict[str, object]) -> list[float]:
    levels = model["comparisons"][0]["comparison_levels"][1:]  # type: ignore[index]
    return [lv["m_probability"] for lv in levels]


def test_every_level_has_a_prior() -> None:
    labels = set()
    for comp in comparisons():
        for lv in comp.create_comparison_dict("duckdb")["comparison_levels"]:
            if not lv.get("is_null_level"):
                labels.add(lv["label_for_charts"])
    assert labels == set(M_PRIOR)


def test_small_registry_keeps_every_weight_finite() -> None:
    em = _model([1.0, 0.0, None])  # EM saw only exact forenames among 20 matches
    out = _ms(smooth_m(em, expected_matches=20))
    assert all(m > 0 for m in out) and math.isclose(sum(out), 1.0)
    assert out[1] > 0.01  # a nickname no longer vetoes a match
    assert _ms(em) == [1.0, 0.0, None]  # the input is not modified


def test_large_registry_is_ruled_by_the_data() -> None:
    out = _ms(smooth_m(_model([0.7, 0.2, 0.1]), expected_matches=100_000))
    assert out == pytest.approx([0.7, 0.2, 0.1], abs=1e-3)
    assert PSEUDO_MATCHES < 100


def test_prior_reestimate_matches_the_sum_of_probabilities() -> None:
    # 30 pairs that surely match (+30 bits) among 10,000 x 10,000, starting far too high.
    weights = [30.0] * 30 + [-10.0] * 1000
    table = pa.table({"match_weight": weights, "match_probability": [0.0] * len(weights)})
    start = 1e-4
    out, prior = refine_prior(table, prior=start, total_pairs=10_000 * 10_000)
    expected = sum(out["match_probability"].to_pylist())
    assert prior * 1e8 == pytest.approx(expected, rel=1e-3)
    assert 29 < expected < 31.5 and prior < start
    shift = math.log2(prior / (1 - prior)) - math.log2(start / (1 - start))
    assert out["match_weight"][0].as_py() == pytest.approx(30.0 + shift)


def test_training_rules_fall_back_when_a_registry_lacks_full_dates(tmp_path: Path) -> None:
    con = duckdb.connect()
    n = 300
    base = {
        "forename_canon": [f"f{i % 50}" for i in range(n)],
        "surname": [f"s{i % 40}" for i in range(n)],
        "initial": ["f"] * n,
        "birth_year": [1970 + i % 20 for i in range(n)],
        "birth_month": [1 + i % 12 for i in range(n)],
        "postcode_district": [f"E{i % 5}" for i in range(n)],
        "postcode_area": ["E"] * n,
    }
    staff = pa.table({**base, "unique_id": [f"P{i}" for i in range(n)],
                      "dob": pa.array([None] * n, pa.date32())})  # fmt: skip
    reg = pa.table({**base, "unique_id": [f"R{i}" for i in range(n)],
                    "dob": pa.array([None] * n, pa.date32())})  # fmt: skip
    con.register("s", staff)
    con.register("r", reg)
    con.execute("CREATE TABLE linkage_staff AS SELECT * FROM s")
    con.execute("CREATE TABLE linkage_registry AS SELECT * FROM r")
    chosen = pick_training_rules(con, minimum=200)
    assert chosen[0] == ("forename_canon", "surname")
    assert chosen[1] != ("dob", "postcode_district") and "dob" not in chosen[1]
