from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from integritas.access.grants import issue_grant
from integritas.access.users import add_user, get_user
from integritas.audit.models import AuditEvent
from integritas.cases.intake import StoreFlagSink
from integritas.cli import app
from integritas.settings import Workspace
from integritas.store.migrate import upgrade
from integritas.store.session import make_engine, session_factory

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, make_flag: Any, people: Any) -> Path:
    ws = Workspace(tmp_path)
    engine = make_engine(ws.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        for name, role in [
            ("ana", "analyst"),
            ("inv", "investigator"),
            ("aa1", "appropriate_authority"),
            ("aa2", "appropriate_authority"),
        ]:
            add_user(s, username=name, role=role, password=None, oidc_subject=f"sub-{name}")
    StoreFlagSink(sessions, people).receive([make_flag(1), make_flag(2)])
    engine.dispose()
    return tmp_path


def _run(home: Path, *args: str) -> Any:
    return runner.invoke(app, ["--home", str(home), "cases", *args], terminal_width=250)


@pytest.mark.slow  # the first invoke imports every package's commands (~10 s)
def test_cli_case_lifecycle(home: Path, make_flag: Any) -> None:
    r = _run(home, "queue", "--as", "ana")
    assert r.exit_code == 0, r.output
    assert "2 flags" in r.output and make_flag(1).flag_id in r.output
    r = _run(home, "queue", "--as", "ana", "--severity", "extreme")
    assert r.exit_code == 2 and "severity" in r.output
    r = _run(home, "queue", "--as", "inv2")
    assert r.exit_code == 2 and "no user" in r.output
    r = _run(home, "dismiss", make_flag(2).flag_id, "--as", "ana", "--reason", "data_error")
    assert r.exit_code == 0, r.output
    r = _run(home, "open", make_flag(1).flag_id, "--as", "ana", "--investigator", "inv")
    assert r.exit_code == 0, r.output
    ref = r.output.split()[1]
    assert _run(home, "note", ref, "Checked the rota.", "--as", "inv").exit_code == 0
    r = _run(home, "outcome", ref, "misconduct_meeting", "--as", "inv", "--reasons", "x")
    assert r.exit_code == 3 and "denied" in r.output
    r = _run(home, "outcome", ref, "misconduct_meeting", "--as", "aa1", "--reasons", "x")
    assert r.exit_code == 2 and "not opened the evidence" in r.output
    engine = make_engine(Workspace(home).database_url)
    with session_factory(engine).begin() as s:
        issue_grant(
            s,
            by=get_user(s, "aa2"),
            grantee=get_user(s, "aa1"),
            person_id=make_flag(1).person_id,
            purpose="misconduct_investigation",
            case_ref=ref,
            justification="x",
        )
    r = _run(home, "evidence", ref, "--as", "aa1")
    assert r.exit_code == 0 and "roster_audit B1 row 2" in r.output
    assert _run(home, "notify", ref, "--as", "inv").exit_code == 0
    r = _run(home, "account", ref, "--as", "inv", "--response", "I was covering.")
    assert r.exit_code == 0 and "responded" in r.output
    r = _run(home, "outcome", ref, "early_intervention_letter", "--as", "aa1", "--reasons", "r")
    assert r.exit_code == 0 and "Early-intervention letter" in r.output
    r = _run(home, "letter", ref, "early_intervention", "--as", "inv", "--out", str(home / "out"))
    assert r.exit_code == 0, r.output
    assert (home / "out" / f"{ref}-early_intervention.pdf").exists()
    r = _run(home, "appeal", ref, "--as", "aa1", "--grounds", "too harsh")
    assert r.exit_code == 0, r.output
    r = _run(home, "show", ref, "--as", "aa1")
    assert r.exit_code == 0 and "appeal_lodged" in r.output and "Checked the rota." in r.output
    r = _run(home, "precision", "--as", "ana")
    assert r.exit_code == 0 and "roster_self_edits v1" in r.output and "(1/2)" in r.output
    with session_factory(engine).begin() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
        assert [(e.actor, e.action) for e in denied] == [("inv", "case.outcome")]
    engine.dispose()
