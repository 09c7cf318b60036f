"""Accepted matches that nobody declared: the input of the undeclared-interest rule.

Only a match a human ACCEPTED (latest decision) counts; a rejected or undecided candidate
never produces a row. A match is declared when the same person has a ``business_interests``
or ``associations`` declaration for the same organisation: the same company number, or
organisation names equal after normalisation ("Acme Widgets Ltd" = "ACME WIDGETS LIMITED")
or nearly equal (difflib ratio >= 0.92 on the normalised names: one slip in a long name).
"""

from __future__ import annotations

import re
from typing import Any

from integritas.engine import duck
from integritas.ingest.layout import curated_files
from integritas.linkage.candidates import load_candidates
from integritas.linkage.review import Decision, latest_decisions
from integritas.settings import Workspace

DECLARATION_SOURCES = ("business_interests", "associations")
NAME_SIMILARITY = 0.92
_SUFFIXES = re.compile(
    r"\b(limited|ltd|plc|llp|lp|cic|company|co|incorporated|inc|the|and|uk|group)\b"
)


def normalise_organisation(name: str | None) -> str:
    """Lower-case, ``&`` as and, punctuation and legal-form words dropped, spaces squeezed."""
    if not name:
        return ""
    text = re.sub(r"[^a-z0-9 ]", " ", name.lower().replace("&", " and "))
    return " ".join(_SUFFIXES.sub(" ", text).split())


def _normalise_number(num: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (num or "").upper()).lstrip("0")


def _declarations(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """person_id -> [(normalised organisation name, normalised company number)]."""

    out: dict[str, list[tuple[str, str]]] = {}
    con = duck.connect(ws)
    for source in DECLARATION_SOURCES:
        files = curated_files(ws, source)
        if not files:
            continue
        quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        rel = con.sql(f"SELECT * FROM read_parquet([{quoted}], union_by_name = true)")
        number = "company_number" if "company_number" in rel.columns else "NULL"
        rows = con.execute(
            f"SELECT CAST(person_id AS VARCHAR), CAST(organisation_name AS VARCHAR), "
            f"CAST({number} AS VARCHAR) FROM read_parquet([{quoted}], union_by_name = true)"
        ).fetchall()
        for pid, org, num in rows:
            out.setdefault(pid, []).append((normalise_organisation(org), _normalise_number(num)))
    return out


def is_declared(
    organisation_name: str | None,
    organisation_id: str | None,
    declared: list[tuple[str, str]],
) -> bool:
    """Whether one of a person's declarations names this organisation."""
    from difflib import SequenceMatcher

    name, number = normalise_organisation(organisation_name), _normalise_number(organisation_id)
    for d_name, d_number in declared:
        if number and d_number and number == d_number:
            return True
        if (
            name
            and d_name
            and (name == d_name or SequenceMatcher(None, name, d_name).ratio() >= NAME_SIMILARITY)
        ):
            return True
    return False


UNDECLARED_COLUMNS = (
    "person_id",
    "registry",
    "record_id",
    "organisation_name",
    "start_date",
    "candidate_id",
)


def undeclared_interests(ws: Workspace, *, session: Any) -> Any:
    """PyArrow table (person_id, registry, record_id, organisation_name, start_date,
    candidate_id): accepted matches with no matching declaration by that person."""
    import pyarrow as pa

    decisions = latest_decisions(session=session)
    accepted = {k for k, d in decisions.items() if d.decision == Decision.ACCEPTED}
    declarations = _declarations(ws) if accepted else {}
    rows: dict[str, list[Any]] = {c: [] for c in UNDECLARED_COLUMNS}
    for cand in load_candidates(ws):
        if cand.candidate_id not in accepted:
            continue
        if is_declared(
            cand.organisation_name, cand.organisation_id, declarations.get(cand.person_id, [])
        ):
            continue
        for col in UNDECLARED_COLUMNS:
            rows[col].append(getattr(cand, col))
    return pa.table(rows, schema=pa.schema([(c, pa.string()) for c in UNDECLARED_COLUMNS]))
