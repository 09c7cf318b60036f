"""Reading the identity vault (pseudonym -> staff number and name). Callers must authorise."""

from __future__ import annotations

from pydantic import BaseModel

from integritas.engine import duck
from integritas.ingest.layout import vault_files
from integritas.settings import Workspace

SOURCE = "hr_master"


class Identity(BaseModel):
    person_id: str
    staff_number: str
    forename: str | None
    surname: str | None


class IdentityNotFound(LookupError):
    pass


def lookup_identity(ws: Workspace, person_id: str) -> Identity:
    """The latest vault row for ``person_id`` (later batches win). No permission check here:
    use ``access.unmask.reveal_identity``, which checks the grant and audits."""

    files = vault_files(ws, SOURCE)
    if not files:
        raise IdentityNotFound(f"no committed {SOURCE} vault files in {ws.home}")
    con = duck.connect(ws)
    try:
        row = con.execute(
            "SELECT staff_number, forename, surname FROM read_parquet(?, union_by_name=true) "
            "WHERE person_id = ? ORDER BY _batch_id DESC, _row_number DESC LIMIT 1",
            [[str(f) for f in files], person_id],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise IdentityNotFound(f"pseudonym {person_id} not in the identity vault")
    return Identity(person_id=person_id, staff_number=str(row[0]), forename=row[1], surname=row[2])
