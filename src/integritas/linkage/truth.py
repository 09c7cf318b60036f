"""Evaluation only: decide the review queue from the synthetic ``linkage_truth.csv``.

The scoring harness and the demo use this "oracle reviewer" to stand in for a human; it is
never called by default. Every decision is recorded and audited like a human one, under the
actor ``evaluation-oracle``, so an oracle decision can never be mistaken for a person's.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integritas.engine import duck
from integritas.linkage.engine import DEFAULT_THRESHOLD
from integritas.linkage.inputs import staff_files
from integritas.settings import Workspace

ORACLE_ACTOR = "evaluation-oracle"
ORACLE_ROLE = "evaluation"
TRUTH_COLUMNS = ("registry", "record_id", "staff_number")


class TruthFileError(ValueError):
    """The truth file cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class OracleResult:
    accepted: int
    rejected: int
    accepted_path: Path


def read_truth(path: Path) -> set[tuple[str, str, str]]:
    """(registry, record_id, staff_number) triples from a ``linkage_truth.csv``."""
    try:
        fh = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise TruthFileError(f"{path}: cannot be read ({exc.strerror})") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in TRUTH_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TruthFileError(f"{path}: missing column(s) {', '.join(missing)}")
        out = set()
        for n, row in enumerate(reader, start=2):
            empty = [c for c in TRUTH_COLUMNS if not (row.get(c) or "").strip()]
            if empty:
                raise TruthFileError(f"{path}: row {n}: empty {', '.join(empty)}")
            out.add((row["registry"].strip(), row["record_id"].strip(), row["staff_number"]))
    return out


def _staff_numbers(ws: Workspace) -> dict[str, str]:
    """person_id -> staff number, from the identity vault (evaluation only)."""

    files = [str(f) for f in staff_files(ws)]
    con = duck.connect(ws)
    try:
        rows = con.execute(
            "SELECT CAST(person_id AS VARCHAR), CAST(staff_number AS VARCHAR) "
            "FROM read_parquet(?, union_by_name = true)",
            [files],
        ).fetchall()
    finally:
        con.close()
    return {pid: sn for pid, sn in rows}


def accept_from_truth(
    ws: Workspace,
    session: Any,
    truth_csv: Path,
    *,
    reviewer: str = ORACLE_ACTOR,
    threshold: float = DEFAULT_THRESHOLD,
) -> OracleResult:
    """Accept every queued candidate that the truth file lists, reject the rest.

    Decisions go through ``review.decide`` (stored and audited in the caller's
    transaction); ``derived/linkage_accepted.parquet`` is written once at the end.
    """
    from integritas.linkage.accepted import export_accepted
    from integritas.linkage.review import Decision, decide, review_queue

    truth = read_truth(Path(truth_csv))
    numbers = _staff_numbers(ws)
    accepted = rejected = 0
    for cand in review_queue(ws, session=session, threshold=threshold):
        hit = (cand.registry, cand.record_id, numbers.get(cand.person_id, "")) in truth
        decide(
            ws,
            session=session,
            candidate_id=cand.candidate_id,
            decision=Decision.ACCEPTED if hit else Decision.REJECTED,
            reason=f"evaluation oracle: pair {'listed' if hit else 'not listed'} in "
            f"{Path(truth_csv).name}",
            actor=reviewer,
            role=ORACLE_ROLE,
            export=False,
        )
        accepted, rejected = accepted + hit, rejected + (not hit)
    return OracleResult(
        accepted=accepted, rejected=rejected, accepted_path=export_accepted(ws, session)
    )
