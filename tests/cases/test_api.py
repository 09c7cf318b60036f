from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import PermissionDenied
from integritas.access.grants import issue_grant
from integritas.access.models import User
from integritas.access.users import get_user
from integritas.audit.models import AuditEvent
from integritas.cases import api
from integritas.cases.intake import StoreFlagSink
from integritas.detect.models import Severity, Tier

OTHER = "P-BBBBBBBBBBBB"


@pytest.fixture
def client(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> Iterator[TestClient]:
    StoreFlagSink(sessions, people).receive(
        [
            make_flag(1, severity=Severity.HIGH),
            make_flag(2),
            make_flag(3, OTHER),
            make_flag(4, tier=Tier.SECONDARY),
        ]
    )

    def session_dep() -> Iterator[Session]:
        s = sessions()
        try:
            yield s
            s.commit()
        except PermissionDenied:
            s.commit()
            raise
        except Exception:
            s.rollback()
            raise
        finally:
            s.close()

    def user_dep(request: Request, session: Session = Depends(api.get_session)) -> User:
        return get_user(session, request.headers["X-As"])

    app = FastAPI()
    app.include_router(api.router, prefix="/api")
    api.install_handlers(app)
    app.dependency_overrides[api.get_session] = session_dep
    app.dependency_overrides[api.current_user] = user_dep
    with TestClient(app) as c:
        yield c


def _as(name: str) -> dict[str, str]:
    return {"X-As": name}


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in (
        "/api/cases/queue",
        "/api/cases/{ref}",
        "/api/cases/{ref}/outcome",
        "/api/cases/{ref}/letters/{kind}",
        "/api/cases/rules/health",
        "/api/cases/flags/{flag_id}/dismiss",
    ):
        assert p in paths
    assert "QueuePage" in spec["components"]["schemas"]
    assert "CaseDetail" in spec["components"]["schemas"]


def test_api_workflow(client: TestClient, sessions: sessionmaker[Session], make_flag: Any) -> None:
    r = client.get("/api/cases/queue?sort=severity&page_size=2", headers=_as("analyst"))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["severity"] == "high"
    assert client.get("/api/cases/queue", headers=_as("lm")).status_code == 403
    assert client.get("/api/cases/queue?severity=nope", headers=_as("analyst")).status_code == 422

    r = client.post(
        f"/api/cases/flags/{make_flag(3, OTHER).flag_id}/dismiss",
        json={"reason": "duplicate"},
        headers=_as("analyst"),
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    r = client.post(
        "/api/cases/flags/F-none/dismiss", json={"reason": "duplicate"}, headers=_as("analyst")
    )
    assert r.status_code == 404

    welfare = client.get("/api/cases/welfare", headers=_as("lm")).json()
    assert [w["tier"] for w in welfare] == ["secondary"]

    r = client.post(
        "/api/cases",
        json={"flag_ids": [make_flag(1).flag_id, make_flag(2).flag_id], "investigator": "inv"},
        headers=_as("analyst"),
    )
    assert r.status_code == 201
    ref = r.json()["ref"]
    assert client.get(f"/api/cases/{ref}", headers=_as("inv2")).status_code == 403
    assert client.get("/api/cases/C-999999", headers=_as("aa1")).status_code == 404
    r = client.post(f"/api/cases/{ref}/notes", json={"text": "first"}, headers=_as("inv"))
    assert r.status_code == 201
    r = client.post(
        f"/api/cases/{ref}/outcome",
        json={"outcome": "misconduct_meeting", "reasons": "r"},
        headers=_as("aa1"),
    )
    assert r.status_code == 400 and "not opened the evidence" in r.json()["detail"]
    with sessions.begin() as s:
        issue_grant(
            s,
            by=get_user(s, "aa2"),
            grantee=get_user(s, "aa1"),
            person_id=make_flag(1).person_id,
            purpose="misconduct_investigation",
            case_ref=ref,
            justification="x",
        )
    assert client.get(f"/api/cases/{ref}/evidence", headers=_as("aa1")).status_code == 200
    assert client.post(f"/api/cases/{ref}/notify", json={}, headers=_as("inv")).status_code == 200
    r = client.post(f"/api/cases/{ref}/account", json={"response": "Mine."}, headers=_as("inv"))
    assert r.json() == {"account_status": "responded"}
    r = client.post(
        f"/api/cases/{ref}/outcome",
        json={"outcome": "early_intervention_letter", "reasons": "pattern confirmed"},
        headers=_as("aa1"),
    )
    assert r.status_code == 201 and r.json()["adverse"] is True
    r = client.get(f"/api/cases/{ref}/letters/early_intervention", headers=_as("inv"))
    assert r.status_code == 200 and "Early-intervention letter" in r.json()["html"]
    r = client.get(f"/api/cases/{ref}/letters/early_intervention?format=pdf", headers=_as("inv"))
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = client.post(f"/api/cases/{ref}/appeal", json={"grounds": "harsh"}, headers=_as("aa1"))
    assert r.status_code == 200 and r.json()["appeal_pending"] is True
    health = client.get("/api/cases/rules/health", headers=_as("analyst")).json()
    assert health[0]["dismissal_reasons"] == {"duplicate": 1}
    with sessions.begin() as s:
        acts = set(s.scalars(select(AuditEvent.action)))
    assert {
        "flag.list",
        "flag.dismissed",
        "case.opened",
        "case.note_added",
        "case.evidence_viewed",
        "case.subject_notified",
        "case.account_recorded",
        "case.outcome_recorded",
        "case.letter_generated",
        "case.appeal_lodged",
        "rules.read",
    } <= acts
    with sessions.begin() as s:  # the 403 on the queue was committed as an audited denial
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
        assert any(e.actor == "lm" and e.action == "flag.list" for e in denied)
