"""Demo logins: one user per role, with passwords kept in the workspace (mode 0600)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from integritas.engine import duck
from integritas.settings import Workspace

# role -> what the demo login is for (printed next to it)
DEMO_ROLES: dict[str, str] = {
    "analyst": "triage possible-misconduct flags (pseudonymised)",
    "investigator": "work assigned cases, request unmasking",
    "appropriate_authority": "approve unmasking, decide outcomes",
    "line_manager": "the welfare list of one team",
    "dpo": "governance: DPIA, retention, unmask log",
    "auditor": "the audit log and its chain",
    "staff": "my data: what is held about me",
    "administrator": "users and settings, no person data",
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    purpose: str


def logins_path(ws: Workspace) -> Path:
    return ws.home / "demo-logins.json"


def _pick_people(ws: Workspace) -> tuple[str | None, str | None, str | None]:
    """(line manager person id, their unit, an ordinary member of staff's person id)."""

    from integritas.ingest.layout import curated_files

    files = [str(f) for f in curated_files(ws, "hr_master")]
    if not files:
        return None, None, None
    con = duck.connect(ws)
    try:
        con.execute(
            "CREATE TEMP TABLE hr AS SELECT * FROM read_parquet(?, union_by_name=true)", [files]
        )
        manager = con.execute(
            """
            SELECT m.person_id, m.unit_id FROM hr m
            JOIN hr r ON r.line_manager_id = m.person_id AND r.leave_date IS NULL
            WHERE m.leave_date IS NULL
            GROUP BY ALL ORDER BY count(*) DESC, m.person_id LIMIT 1
            """
        ).fetchone()
        staff = con.execute(
            "SELECT person_id FROM hr WHERE leave_date IS NULL AND NOT is_supervisor "
            "ORDER BY person_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return (
        manager[0] if manager else None,
        manager[1] if manager else None,
        staff[0] if staff else None,
    )


def ensure_logins(ws: Workspace) -> list[DemoLogin]:
    """Create (once) a demo user per role and return their logins."""
    from integritas.access.users import add_user
    from integritas.store.session import workspace_sessions

    path = logins_path(ws)
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    manager, unit, staff = _pick_people(ws)
    sessions = workspace_sessions(ws)
    logins = []
    with sessions.begin() as session:
        for role, purpose in DEMO_ROLES.items():
            username = f"demo-{role.replace('_', '-')}"
            if username not in known:
                known[username] = secrets.token_urlsafe(12)
                add_user(
                    session,
                    username=username,
                    role=role,
                    password=known[username],
                    unit_id=unit if role == "line_manager" else None,
                    person_id={"line_manager": manager, "staff": staff}.get(role),
                    display_name=f"Demo {role.replace('_', ' ')}",
                    actor="demo",
                )
            logins.append(DemoLogin(role, username, known[username], purpose))
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh, indent=2)
    tmp.replace(path)
    return logins
