"""Self-service rights through the ``rights`` package: a subject-access export of one's own
data, and disputing one's own record. Both are checked against the signed-in person."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from integritas.access.actions import SELF_DISPUTE, SELF_READ
from integritas.access.models import User
from integritas.settings import Workspace
from integritas.web.deps import check

_NAME = re.compile(r"^(P-[A-Z2-7]{12})-(\d{8}T\d{6}Z)\.zip$")


def rights_available() -> bool:
    for name in ("integritas.rights.sar", "integritas.rights.disputes"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                return False
            raise
    return True


def exports_dir(ws: Workspace) -> Path:
    return ws.home / "exports" / "self-service"


def my_exports(ws: Workspace, person_id: str) -> list[str]:
    folder = exports_dir(ws)
    if not folder.exists():
        return []
    names = [p.name for p in folder.iterdir() if (m := _NAME.match(p.name)) and m[1] == person_id]
    return sorted(names, reverse=True)


def export_path(ws: Workspace, person_id: str, name: str) -> Path | None:
    """The file only if it is one of this person's exports (no path tricks possible)."""
    m = _NAME.match(name)
    if m is None or m[1] != person_id:
        return None
    path = exports_dir(ws) / name
    return path if path.is_file() else None


def request_export(ws: Workspace, session: Session, user: User) -> str:
    """Produce the person's own subject-access export now; returns its file name."""
    from integritas.access.identity import lookup_identity
    from integritas.rights.sar import export_sar

    person = user.person_id or ""
    check(session, user, SELF_READ.name, person_id=person)
    staff_number = lookup_identity(ws, person).staff_number
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = exports_dir(ws) / f"{person}-{stamp}.zip"
    export_sar(
        ws,
        staff_number=staff_number,
        out=out,
        session=session,
        actor=user.username,
        role=user.role,
        purpose="subject access request (self-service)",
    )
    out.chmod(0o600)
    return out.name


def dispute_my_record(
    ws: Workspace,
    session: Session,
    user: User,
    *,
    source: str,
    batch_id: str,
    row_number: int,
    reason: str,
) -> int:
    """Dispute one curated row, which must be about the signed-in person; returns its id."""
    from integritas.catalog.registry import catalog
    from integritas.rights.disputes import RightsError, find_row, raise_dispute

    row = find_row(ws, source, batch_id, row_number)
    src = catalog()[source]
    if src.person_field is None:
        raise RightsError(f"source {source!r} holds no person-level records")
    column = src.field(src.person_field).curated_name or src.person_field
    check(session, user, SELF_DISPUTE.name, person_id=str(row.get(column) or "-"))
    result = raise_dispute(
        ws,
        session=session,
        source=source,
        batch_id=batch_id,
        row_number=row_number,
        reason=reason,
        actor=user.username,
        role=user.role,
    )
    return int(result.dispute.id)
