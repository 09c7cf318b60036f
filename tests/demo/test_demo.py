"""The demo pipeline runs end to end on a tiny force and leaves a working login per role."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from integritas.access.users import login
from integritas.demo.logins import DEMO_ROLES, ensure_logins, logins_path
from integritas.demo.pipeline import DemoConfig, run_pipeline
from integritas.settings import Workspace
from integritas.store.session import workspace_sessions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("demo"))
    report = run_pipeline(ws, DemoConfig(staff=120, days=35, seed=3))
    names = [s.name for s in report.stages]
    assert names[:3] == ["synthetic force", "ingest", "operational store"]
    assert all(not s.skipped for s in report.stages[:3])
    return ws


def test_second_run_reuses_everything(demo_ws: Workspace) -> None:
    report = run_pipeline(demo_ws, DemoConfig(staff=120, days=35, seed=3))
    ingest = next(s for s in report.stages if s.name == "ingest")
    assert ingest.summary.startswith("0 batches committed")
    assert "already ingested" in ingest.summary


def test_one_login_per_role_that_works(demo_ws: Workspace) -> None:
    logins = ensure_logins(demo_ws)
    assert {x.role for x in logins} == set(DEMO_ROLES)
    path = logins_path(demo_ws)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_logins(demo_ws) == logins  # idempotent: same users, same passwords
    sessions = workspace_sessions(demo_ws)
    for x in logins:
        with sessions.begin() as s:
            opened = login(s, username=x.username, password=x.password)
            assert opened.token
    stored = json.loads(Path(path).read_text())
    assert set(stored) == {x.username for x in logins}


def test_line_manager_and_staff_are_real_people(demo_ws: Workspace) -> None:
    from sqlalchemy import select

    from integritas.access.models import User

    ensure_logins(demo_ws)
    with workspace_sessions(demo_ws)() as s:
        users = {u.role: u for u in s.scalars(select(User)).all()}
    assert users["line_manager"].person_id and users["line_manager"].person_id.startswith("P-")
    assert users["line_manager"].unit_id
    assert users["staff"].person_id and users["staff"].person_id.startswith("P-")
    assert users["administrator"].person_id is None
