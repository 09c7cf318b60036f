"""Clerical review of linkage pairs in the observatory, over a real Splink run on a small
synthetic force (staff identity vault + the membership registry)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pyarrow.parquet as pq
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

import integritas.access.users as users
from integritas.settings import WebSettings, Workspace

REGISTRY = "registry_memberships"


@dataclass
class Linked:
    ws: Workspace
    passwords: dict[str, str]
    client: Callable[[str], TestClient]
    csrf: Callable[[str], str]


@pytest.fixture(scope="module")
def linked(
    tmp_path_factory: pytest.TempPathFactory, csrf: Callable[[str], str]
) -> Iterator[Linked]:
    from integritas.demo.logins import ensure_logins
    from integritas.ingest.service import ingest_path
    from integritas.linkage.engine import run_linkage
    from integritas.store.migrate import upgrade
    from integritas.store.session import workspace_engine
    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate
    from integritas.web.app import create_app

    saved = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    root = tmp_path_factory.mktemp("linkweb")
    generate(SynthConfig(staff=400, days=20, seed=5, start=date(2025, 1, 6)), root / "synth")
    ws = Workspace.from_settings(root / "home")
    for name in ("hr_master.csv", f"{REGISTRY}.csv", "associations.csv"):
        ingest_path(ws, root / "synth" / name)
    engine = workspace_engine(ws, check=False)
    upgrade(engine)
    engine.dispose()
    passwords = {login.username: login.password for login in ensure_logins(ws)}
    run_linkage(ws, REGISTRY)
    app = create_app(ws, WebSettings(secure_cookies=False), login_attempts_per_minute=1000)
    opened: list[TestClient] = []

    def client(username: str) -> TestClient:
        c = TestClient(app, base_url="http://127.0.0.1")
        c.__enter__()
        opened.append(c)
        token = csrf(c.get("/login").text)
        r = c.post(
            "/login",
            data={"username": username, "password": passwords[username], "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        return c

    yield Linked(ws, passwords, client, csrf)
    for c in opened:
        c.__exit__(None, None, None)
    users._hasher = saved


def _queue_ids(html: str) -> list[str]:
    return re.findall(r'data-candidate="([^"]+)"', html)


def _read_events(ws: Workspace) -> list[str]:
    from integritas.audit.models import AuditEvent
    from integritas.store.session import workspace_sessions

    with workspace_sessions(ws)() as s:
        return list(
            s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "linkage.review"))
        )


def test_queue_lists_the_pending_pairs_and_audits_the_read(linked: Linked) -> None:
    from integritas.linkage.review import review_queue
    from integritas.store.session import workspace_sessions

    with workspace_sessions(linked.ws)() as s:
        pending = review_queue(linked.ws, session=s)
    assert pending, "the synthetic registry should hold some staff"
    page = linked.client("demo-analyst").get("/linkage")
    assert page.status_code == 200
    assert _queue_ids(page.text) == [c.candidate_id for c in pending][:50]
    assert any('"read": "queue"' in d for d in _read_events(linked.ws))


def test_pair_page_explains_the_score(linked: Linked) -> None:
    from integritas.linkage.candidates import get_candidate

    c = linked.client("demo-analyst")
    cid = _queue_ids(c.get("/linkage").text)[0]
    cand = get_candidate(linked.ws, cid)
    page = c.get(f"/linkage/{cid}")
    assert page.status_code == 200
    assert "<svg" in page.text and cand.person_id in page.text
    rows = re.search(r'<table id="pair-contributions">.*?</table>', page.text, re.S)
    assert rows and rows.group(0).count("<tr>") == len(cand.contributions) + 1
    assert c.get("/linkage/LC-0000000000000000").status_code == 404


def test_a_decision_needs_a_reason_then_is_recorded(linked: Linked) -> None:
    from integritas.engine.backends import linkage_accepted_path
    from integritas.linkage.candidates import get_candidate

    c = linked.client("demo-analyst")
    cid = _queue_ids(c.get("/linkage").text)[0]
    form = c.get(f"/linkage/{cid}").text
    refused = c.post(
        f"/linkage/{cid}/decide",
        data={"decision": "accepted", "reason": "  ", "csrf_token": linked.csrf(form)},
    )
    assert refused.status_code == 400 and "a reason is required" in refused.text
    assert cid in _queue_ids(c.get("/linkage").text)  # nothing recorded
    done = c.post(
        f"/linkage/{cid}/decide",
        data={
            "decision": "accepted",
            "reason": "same date of birth and postcode",
            "csrf_token": linked.csrf(form),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert cid not in _queue_ids(c.get("/linkage").text)
    assert "same date of birth and postcode" in c.get(f"/linkage/{cid}").text
    cand = get_candidate(linked.ws, cid)
    accepted = pq.read_table(linkage_accepted_path(linked.ws)).to_pylist()
    assert (cand.person_id, cand.record_id) in {(r["person_id"], r["record_id"]) for r in accepted}


def test_api_and_permissions(linked: Linked) -> None:
    analyst = linked.client("demo-analyst")
    body = analyst.get("/api/linkage/queue").json()
    assert body["total"] == len(body["pairs"]) or body["total"] > 50
    cid = body["pairs"][0]["candidate_id"]
    token = linked.csrf(analyst.get("/linkage").text)
    assert analyst.post(f"/api/linkage/{cid}/decision", json={}).status_code in (403, 422)
    r = analyst.post(
        f"/api/linkage/{cid}/decision",
        json={"decision": "rejected", "reason": "a namesake: another city"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200 and r.json()["decision"] == "rejected"
    staff = linked.client("demo-staff")
    assert staff.get("/linkage").status_code == 403
    assert staff.get("/api/linkage/queue").status_code == 403
    assert "Linkage review" not in staff.get("/").text
    assert "Linkage review" in analyst.get("/").text
