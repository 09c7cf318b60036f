"""Reading the analytical plane for review: the warehouse's flags and HR master facts."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from integritas.cases.intake import people_from_workspace
from integritas.cases.models import ReviewFlag
from integritas.detect.models import Flag
from integritas.settings import Workspace


def warehouse_flags(ws: Workspace) -> list[Flag]:
    """The current flag set of ``derived/flags.parquet`` as ``Flag`` objects."""
    from integritas.detect.flags import read_flags

    fields = set(Flag.model_fields)
    out = []
    for row in read_flags(ws).to_pylist():
        row["evidence"] = tuple(json.loads(row["evidence"] or "[]"))
        out.append(Flag.model_validate({k: v for k, v in row.items() if k in fields}))
    return out


def staff_type_of(ws: Workspace, session: Session, flag_id: str) -> str:
    """Officer or staff, from HR master, for the person a flag concerns (default officer)."""
    row = session.get(ReviewFlag, flag_id)
    if row is None:
        return "officer"
    info = people_from_workspace(ws).get(row.person_id)
    return info.staff_type if info and info.staff_type in ("officer", "staff") else "officer"
