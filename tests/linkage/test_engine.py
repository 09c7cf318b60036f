from __future__ import annotations

import json
import math
from typing import Any

import pyarrow.parquet as pq
import pytest

from integritas.linkage.candidates import get_candidate, load_candidates, write_svg
from integritas.linkage.engine import DEFAULT_THRESHOLD
from integritas.linkage.inputs import LinkageInputError

pytestmark = pytest.mark.slow  # one shared linkage run (~30 s)

LinkedWorkspace = Any  # the conftest dataclass (conftest is not importable here)


def _prob(linked: LinkedWorkspace, case: str) -> float:
    try:
        return get_candidate(linked.ws, linked.cid(case)).match_probability
    except LookupError:
        return 0.0  # not even a candidate


@pytest.mark.parametrize("case", ["NICK", "SWAP", "NODOB", "DECL"])
def test_true_variants_score_high(linked: LinkedWorkspace, case: str) -> None:
    assert _prob(linked, case) >= DEFAULT_THRESHOLD


def test_namesake_scores_low(linked: LinkedWorkspace) -> None:
    assert _prob(linked, "NAMESAKE") < DEFAULT_THRESHOLD


def test_nickname_explained(linked: LinkedWorkspace) -> None:
    cand = get_candidate(linked.ws, linked.cid("NICK"))
    levels = {c.field: c.level for c in cand.contributions}
    assert levels["forename"] == "forename is a known short form"
    assert "bob/robert" in cand.explanation


def test_swap_and_missing_dob_levels(linked: LinkedWorkspace) -> None:
    swap = get_candidate(linked.ws, linked.cid("SWAP"))
    assert {c.field: c.level for c in swap.contributions}["forename"] == (
        "forename and surname swapped"
    )
    nodob = get_candidate(linked.ws, linked.cid("NODOB"))
    dob = next(c for c in nodob.contributions if c.field == "date_of_birth")
    assert dob.level == "date of birth missing" and dob.weight == pytest.approx(0.0)


def test_contributions_sum_to_match_weight(linked: LinkedWorkspace) -> None:
    cands = load_candidates(linked.ws)
    assert cands
    for cand in cands:
        assert sum(c.weight for c in cand.contributions) == pytest.approx(
            cand.match_weight, abs=1e-6
        )
        p = 2**cand.match_weight / (1 + 2**cand.match_weight)
        assert p == pytest.approx(cand.match_probability, abs=1e-6)


def test_model_saved_and_reloadable(linked: LinkedWorkspace) -> None:
    import duckdb
    from splink import DuckDBAPI, Linker

    path = linked.result.folder / "model.json"
    model = json.loads(path.read_text())
    assert [c["output_column_name"] for c in model["comparisons"]] == [
        "forename",
        "surname",
        "date_of_birth",
        "postcode",
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'a' AS unique_id")
    api = DuckDBAPI(connection=con)
    linker = Linker([api.register("t"), api.register("t")], str(path))
    reloaded = linker.misc.save_model_to_json()
    assert reloaded["comparisons"] == model["comparisons"]


def test_synthetic_precision_recall(linked: LinkedWorkspace) -> None:
    table = pq.read_table(linked.result.folder / "candidates.parquet")
    found = {
        (r["person_id"], r["record_id"])
        for r in table.to_pylist()
        if r["match_probability"] >= DEFAULT_THRESHOLD and not r["person_id"].startswith("PX-")
    }
    tp = len(found & linked.truth)
    assert tp / len(found) >= 0.98
    assert tp / len(linked.truth) >= 0.95


def test_svg_is_self_contained(linked: LinkedWorkspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cand = get_candidate(linked.ws, linked.cid("NICK"))
    path = write_svg(cand, tmp_path / "c.svg")
    text = path.read_text()
    assert text.startswith("<svg") and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "<script" not in text and text.count("<rect") == len(cand.contributions) + 1
    assert not math.isnan(cand.match_weight)


def test_unknown_registry_is_a_clear_error(linked: LinkedWorkspace) -> None:
    from integritas.linkage.engine import run_linkage

    with pytest.raises(LinkageInputError) as err:
        run_linkage(linked.ws, "no_such_registry")
    assert "no declared source named 'no_such_registry'" in str(err.value)
    with pytest.raises(LinkageInputError, match="not registry"):
        run_linkage(linked.ws, "hr_master")
