"""Evaluate a workspace's flags and the two baselines against a ground-truth file."""

from __future__ import annotations

from pathlib import Path

from integritas.detect.baselines import fixed_count_baseline, unit_z_baseline
from integritas.detect.catalogue import load_rules
from integritas.detect.evaluation import Score, ScoredFlag, read_truth, score
from integritas.detect.flags import read_flags
from integritas.detect.models import Mode
from integritas.detect.service import open_analysis
from integritas.settings import Workspace


def evaluate_workspace(ws: Workspace, truth_path: Path, *, k: int = 50) -> list[Score]:
    from integritas.ingest.pseudonyms import Pseudonymiser

    if not truth_path.exists():
        raise FileNotFoundError(f"no ground-truth file at {truth_path}")
    pseudo = Pseudonymiser(ws)
    truth = read_truth(truth_path, pseudo.pseudonym)
    # Rules are scored as declared: a rule held in shadow by the activation gate (not yet
    # signed off) is still judged on what it would raise once live.
    declared_live = {r.name for r in load_rules() if r.mode is Mode.LIVE}
    table = [
        r for r in read_flags(ws).to_pylist() if r["mode"] == "live" or r["rule"] in declared_live
    ]
    # The welfare list is ordered by how many different indicators a person shows (several
    # signals together matter more than one extreme value), then by the strongest robust z.
    breadth: dict[str, set[str]] = {}
    for r in table:
        if r["tier"] == "secondary":
            breadth.setdefault(r["person_id"], set()).add(r["rule"])
    ours = [
        ScoredFlag(
            person_id=r["person_id"],
            tier=r["tier"],
            period_start=r["period_start"],
            period_end=r["period_end"],
            rank_key=len(breadth.get(r["person_id"], ())) * 1000.0
            + min(r["robust_z"] if r["robust_z"] is not None else 0.0, 999.0),
            rule=r["rule"],
        )
        for r in table
    ]
    con = open_analysis(ws)
    try:
        fixed = fixed_count_baseline(con)
        unit_z = unit_z_baseline(con)
    finally:
        con.close()
    return [
        score("integritas", ours, truth, k=k),
        score("fixed count (>=3)", fixed, truth, k=k),
        score("unit z-score (>3)", unit_z, truth, k=k),
    ]
