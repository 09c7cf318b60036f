"""A tiny synthetic workspace shared by the web tests: 60 staff, HR master, unit tree,
training records, a migrated SQLite store, one demo account per role, and hand-made primary
metric values (some cells under k, plus person-level rows that must never appear)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

import integritas.access.users as users
from integritas.settings import WebSettings, Workspace

PERSON_LEVEL_ID = "P-SHOULDNEVERSHOW"


def write_metric_values(ws: Workspace, unit_ids: list[str], k: int = 10) -> None:
    rows: dict[str, list[object]] = {
        c: []
        for c in (
            "subject_type",
            "subject_id",
            "metric",
            "version",
            "tier",
            "period_start",
            "period_end",
            "value",
            "suppressed",
            "n_people",
            "peer_group",
            "peer_n",
            "peer_median",
            "peer_mad",
            "peer_percentile",
            "batch_ids",
            "computed_at",
        )
    }

    def add(stype: str, sid: str, metric: str, tier: str, month: int, value: float, n: int) -> None:
        small = n < k
        rows["subject_type"].append(stype)
        rows["subject_id"].append(sid)
        rows["metric"].append(metric)
        rows["version"].append(1)
        rows["tier"].append(tier)
        rows["period_start"].append(date(2025, month, 1))
        rows["period_end"].append(date(2025, month, 28))
        rows["value"].append(None if small else value)
        rows["suppressed"].append(small)
        rows["n_people"].append(n)
        rows["peer_group"].append(None)
        rows["peer_n"].append(None)
        rows["peer_median"].append(None)
        rows["peer_mad"].append(None)
        rows["peer_percentile"].append(None)
        rows["batch_ids"].append(["B-hand-made"])
        rows["computed_at"].append(datetime(2025, 4, 1, 12, 0))

    for i, unit in enumerate(unit_ids):
        for month in (1, 2, 3):
            # every third unit is small: its cells must read "suppressed (<k)"
            n = 4 if i % 3 == 2 else 20 + i
            add("unit", unit, "overtime_hours_share", "primary", month, 1.5 + i + month / 10, n)
            add("unit", unit, "training_overdue_rate", "primary", month, 0.1 * (i % 5), n)
    for month in (1, 2, 3):
        add("person", PERSON_LEVEL_ID, "overtime_hours_share", "tertiary", month, 99.0, 1)
    schema = pa.schema(
        [
            ("subject_type", pa.string()),
            ("subject_id", pa.string()),
            ("metric", pa.string()),
            ("version", pa.int32()),
            ("tier", pa.string()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("value", pa.float64()),
            ("suppressed", pa.bool_()),
            ("n_people", pa.int64()),
            ("peer_group", pa.string()),
            ("peer_n", pa.int64()),
            ("peer_median", pa.float64()),
            ("peer_mad", pa.float64()),
            ("peer_percentile", pa.float64()),
            ("batch_ids", pa.list_(pa.string())),
            ("computed_at", pa.timestamp("us")),
        ]
    )
    table = pa.table(rows, schema=schema)
    path = ws.home / "derived" / "metric_values.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def seed_flags(ws: Workspace) -> dict[str, list[str]]:
    """Live flags through the real hand-off (cases.intake): tertiary ones for triage, welfare
    ones for a member of the demo line manager's team and for someone outside it."""
    import duckdb
    from sqlalchemy import select

    from integritas.access.models import User
    from integritas.cases.intake import people_from_workspace, receive_flags, sync_team_members
    from integritas.detect.models import EvidenceRow, Flag, Mode, Severity, Tier
    from integritas.ingest.layout import curated_files
    from integritas.store.session import workspace_sessions

    people = people_from_workspace(ws)
    files = [str(f) for f in curated_files(ws, "training")]
    con = duckdb.connect()
    rows = con.execute(
        "SELECT person_id, _batch_id, _row_number FROM read_parquet(?) ORDER BY person_id",
        [files],
    ).fetchall()
    con.close()
    evidence: dict[str, list[EvidenceRow]] = {}
    for pid, batch, row in rows:
        evidence.setdefault(pid, []).append(
            EvidenceRow(source="training", batch_id=batch, row_number=row)
        )
    sessions = workspace_sessions(ws)
    with sessions.begin() as s:
        manager = s.scalar(select(User.person_id).where(User.username == "demo-line-manager"))
        staff = s.scalar(select(User.person_id).where(User.username == "demo-staff"))
    team = sorted(p for p, i in people.items() if i.line_manager_id == manager)
    others = sorted(
        p for p, i in people.items() if i.line_manager_id not in (None, manager) and p in evidence
    )
    suspects = [p for p in others if p != staff][:5]

    def flag(pid: str, tier: Tier, n: int) -> Flag:
        return Flag(
            flag_id=f"F-{tier.value[:3]}-{n}",
            person_id=pid,
            rule="overtime_peer_outlier" if tier is Tier.TERTIARY else "sickness_pattern",
            rule_version=1,
            tier=tier,
            severity=Severity.HIGH,
            mode=Mode.LIVE,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 1, 31),
            metric="overtime_hours",
            value=42.0 + n,
            peer_median=10.0,
            peer_mad=2.0,
            peer_n=25,
            peer_low=6.0,
            peer_high=14.0,
            robust_z=8.0,
            percentile=99.0,
            periods_hit=3,
            evidence=tuple(evidence.get(pid, [])[:3]),
            explanation=f"Claimed {42 + n} overtime hours where peers claimed about 10.",
            scenario="overtime_padding",
        )

    flags = [flag(p, Tier.TERTIARY, i) for i, p in enumerate(suspects)]
    flags += [flag(team[0], Tier.SECONDARY, 0), flag(others[-1], Tier.SECONDARY, 1)]
    with sessions.begin() as s:
        sync_team_members(s, people)
        receive_flags(s, flags, people)
    return {"tertiary": suspects, "team": [team[0]], "outside": [others[-1]]}


@pytest.fixture(scope="session")
def web_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from integritas.demo.logins import ensure_logins
    from integritas.ingest.service import ingest_path
    from integritas.store.migrate import upgrade
    from integritas.store.session import workspace_engine
    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate
    from integritas.web.orghealth import unit_tree

    saved = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    root = tmp_path_factory.mktemp("webws")
    out = root / "synth"
    generate(SynthConfig(staff=60, days=20, seed=3, start=date(2025, 1, 6)), out)
    ws = Workspace.from_settings(root / "home")
    for name in ("hr_master.csv", "unit_tree.csv", "training.csv"):
        ingest_path(ws, out / name)
    engine = workspace_engine(ws, check=False)
    upgrade(engine)
    engine.dispose()
    ensure_logins(ws)
    write_metric_values(ws, sorted(unit_tree(ws)))
    (ws.home / "seeded.json").write_text(json.dumps(seed_flags(ws)))
    yield ws
    users._hasher = saved


@pytest.fixture(scope="session")
def seeded(web_ws: Workspace) -> dict[str, list[str]]:
    """Pseudonyms the flags were raised on: tertiary, in the manager's team, outside it."""
    data: dict[str, list[str]] = json.loads((web_ws.home / "seeded.json").read_text())
    return data


@pytest.fixture(scope="session")
def passwords(web_ws: Workspace) -> dict[str, str]:
    """Demo user name -> password (created by ``integritas.demo.logins``)."""
    from integritas.demo.logins import ensure_logins

    return {login.username: login.password for login in ensure_logins(web_ws)}


@pytest.fixture(scope="session")
def web_app(web_ws: Workspace) -> FastAPI:
    from integritas.web.app import create_app

    return create_app(web_ws, WebSettings(secure_cookies=False), login_attempts_per_minute=1000)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def signed_in(web_app: FastAPI, passwords: dict[str, str]) -> Iterator[Callable[[str], TestClient]]:
    """A factory: a client signed in as the demo account with that user name."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        c = TestClient(web_app, base_url="http://127.0.0.1")
        c.__enter__()
        clients.append(c)
        page = c.get("/login")
        token = _csrf(page.text)
        r = c.post(
            "/login",
            data={"username": username, "password": passwords[username], "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture(scope="session")
def csrf() -> Callable[[str], str]:
    """The CSRF token of a page's forms."""
    return _csrf


def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


@pytest.fixture
def csrf_of() -> Callable[[str], str]:
    return _csrf


@pytest.fixture
def tmp_home(tmp_path: Path) -> Path:
    return tmp_path
