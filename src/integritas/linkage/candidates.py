"""Read back written runs: the latest candidates per registry, one candidate by id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integritas.linkage.engine import linkage_root
from integritas.linkage.explain import Contribution, waterfall_svg
from integritas.settings import Workspace


class CandidateNotFound(LookupError):
    """No candidate with that id in the latest run of any registry."""


@dataclass(frozen=True)
class Candidate:
    """One scored staff/registry pair from a run, with its explanation."""

    candidate_id: str
    run_id: str
    registry: str
    person_id: str
    record_id: str
    match_weight: float
    match_probability: float
    contributions: tuple[Contribution, ...]
    explanation: str
    organisation_name: str | None
    organisation_id: str | None
    role: str | None
    start_date: str | None
    end_date: str | None
    folder: Path

    @classmethod
    def from_row(cls, row: dict[str, Any], folder: Path) -> Candidate:
        contribs = tuple(Contribution(**c) for c in json.loads(row["contributions"]))
        return cls(
            **{k: row[k] for k in _SCALARS},
            contributions=contribs,
            folder=folder,
        )

    def svg(self) -> str:
        return waterfall_svg(self)


_SCALARS = (
    "candidate_id",
    "run_id",
    "registry",
    "person_id",
    "record_id",
    "match_weight",
    "match_probability",
    "explanation",
    "organisation_name",
    "organisation_id",
    "role",
    "start_date",
    "end_date",
)


def latest_runs(ws: Workspace) -> dict[str, Path]:
    """Registry name -> folder of its latest complete run (one with ``run.json``)."""
    out: dict[str, Path] = {}
    root = linkage_root(ws)
    if not root.exists():
        return out
    for reg in sorted(p for p in root.iterdir() if p.is_dir()):
        runs = sorted(p for p in reg.iterdir() if (p / "run.json").exists())
        if runs:
            out[reg.name] = runs[-1]
    return out


def candidate_files(ws: Workspace) -> list[Path]:
    return [folder / "candidates.parquet" for folder in latest_runs(ws).values()]


def load_candidates(ws: Workspace, *, min_probability: float = 0.0) -> list[Candidate]:
    """Candidates of the latest run of every registry at or above ``min_probability``."""
    import pyarrow.parquet as pq

    out = []
    for folder in latest_runs(ws).values():
        for row in pq.read_table(folder / "candidates.parquet").to_pylist():
            if row["match_probability"] >= min_probability:
                out.append(Candidate.from_row(row, folder))
    return out


def get_candidate(ws: Workspace, candidate_id: str) -> Candidate:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for folder in latest_runs(ws).values():
        table = pq.read_table(folder / "candidates.parquet")
        hit = table.filter(pc.equal(table.column("candidate_id"), candidate_id))
        if hit.num_rows:
            return Candidate.from_row(hit.to_pylist()[0], folder)
    raise CandidateNotFound(f"no linkage candidate {candidate_id!r} in the latest runs")


def write_svg(candidate: Candidate, out: Path | None = None) -> Path:
    path = out or candidate.folder / f"{candidate.candidate_id}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(candidate.svg(), encoding="utf-8")
    return path
