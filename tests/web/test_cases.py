from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.audit.models import AuditEvent
from integritas.settings import Workspace
from integritas.store.session import workspace_sessions


def _form(client: TestClient, url: str, data: dict[str, str], page: str = "/") -> object:
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(page).text)
    assert token
    return client.post(url, data={**data, "csrf_token": token.group(1)}, follow_redirects=False)


def test_triage_queue_is_pseudonymised_and_welfare_free(
    signed_in: Callable[[str], TestClient], seeded: dict[str, list[str]]
) -> None:
    c = signed_in("demo-analyst")
    page = c.get("/triage")
    assert page.status_code == 200
    shown = set(re.findall(r"<code>(P-[A-Z2-7]{12})</code>", page.text))
    # other tests may already have taken some flags into cases
    assert shown and shown <= set(seeded["tertiary"])
    assert seeded["team"][0] not in page.text  # welfare flags never reach triage
    flag = c.get("/flags/F-ter-0")
    assert flag.status_code == 200
    assert 'class="chart peers"' in flag.text
    assert "Claimed 42 overtime hours" in flag.text
    assert 'id="evidence-locked"' in flag.text
    assert c.get("/flags/F-sec-0").status_code == 403  # a welfare flag is the manager's only


def test_welfare_list_shows_only_own_team(
    signed_in: Callable[[str], TestClient], seeded: dict[str, list[str]]
) -> None:
    c = signed_in("demo-line-manager")
    page = c.get("/welfare")
    assert page.status_code == 200
    assert seeded["team"][0] in page.text
    assert seeded["outside"][0] not in page.text
    assert c.get("/flags/F-sec-0").status_code == 200
    assert c.get("/flags/F-sec-1").status_code == 403
    assert c.get("/triage").status_code == 403
    assert signed_in("demo-analyst").get("/welfare").status_code == 403


def _second_authority(ws: Workspace, passwords: dict[str, str]) -> str:
    from integritas.access.models import User
    from integritas.access.users import add_user

    name = "second-authority"
    with workspace_sessions(ws).begin() as s:
        if s.scalar(select(User.id).where(User.username == name)) is None:
            add_user(s, username=name, role="appropriate_authority", password="second password 1")
    passwords[name] = "second password 1"
    return name


def test_case_journey_open_unmask_approve_outcome(
    signed_in: Callable[[str], TestClient],
    web_ws: Workspace,
    seeded: dict[str, list[str]],
    passwords: dict[str, str],
) -> None:
    analyst = signed_in("demo-analyst")
    r = _form(analyst, "/flags/F-ter-1/open-case", {"investigator": "demo-investigator"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    flag_page = analyst.get(r.headers["location"]).text  # type: ignore[attr-defined]
    found = re.search(r'href="(/cases/(C-\d+))"', flag_page)
    assert found, "the flag names its case"
    case_url, ref = found.group(1), found.group(2)
    assert analyst.get(case_url).status_code == 403  # analysts do not read cases

    reviewer = signed_in("demo-investigator")
    page = reviewer.get(case_url)
    assert page.status_code == 200 and seeded["tertiary"][1] in page.text
    assert reviewer.get(f"{case_url}/evidence").status_code == 403  # no grant yet
    _form(reviewer, f"{case_url}/unmask", {"justification": "needed to interview"}, case_url)
    assert "awaiting a second person" in reviewer.get(case_url).text
    # four eyes: the requester cannot approve, and lacks the action anyway
    assert reviewer.get("/unmask").status_code == 403

    authority = signed_in("demo-appropriate-authority")
    queue = authority.get("/unmask")
    req = re.search(r'data-request="(\d+)"', queue.text)
    assert req
    _form(authority, f"/unmask/{req.group(1)}", {"decision": "approve"}, "/unmask")

    evidence = reviewer.get(f"{case_url}/evidence")
    assert evidence.status_code == 200 and "evidence-table" in evidence.text
    ident = _form(reviewer, f"{case_url}/identity", {}, case_url)
    assert ident.status_code == 200 and 'id="identity"' in ident.text  # type: ignore[attr-defined]
    _form(reviewer, f"{case_url}/notes", {"text": "spoke to the supervisor"}, case_url)
    _form(reviewer, f"{case_url}/notify", {}, case_url)
    _form(reviewer, f"{case_url}/account", {"response": "I was covering a colleague"}, case_url)
    page = reviewer.get(case_url)
    assert "spoke to the supervisor" in page.text
    assert 'id="decide"' not in page.text  # outcomes are the appropriate authority's

    # The decider must have opened the evidence: under their own grant, which a second
    # appropriate authority approves (four eyes again).
    _form(authority, f"{case_url}/unmask", {"justification": "to decide the case"}, case_url)
    second = signed_in(_second_authority(web_ws, passwords))
    req2 = re.search(r'data-request="(\d+)"', second.get("/unmask").text)
    assert req2 and req2.group(1) != req.group(1)
    _form(second, f"/unmask/{req2.group(1)}", {"decision": "approve"}, "/unmask")
    assert authority.get(f"{case_url}/evidence").status_code == 200
    done = _form(
        authority,
        f"{case_url}/outcome",
        {"outcome": "legitimate_explanation", "reasons": "account corroborated by roster"},
        case_url,
    )
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    assert "account corroborated by roster" in authority.get(case_url).text
    with workspace_sessions(web_ws)() as s:
        actions = set(
            s.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id.in_([ref, req.group(1)]))
            )
        )
    assert {"case.read", "unmask.requested", "unmask.decided"} <= actions


def test_bad_case_input_is_a_clear_error(signed_in: Callable[[str], TestClient]) -> None:
    analyst = signed_in("demo-analyst")
    r = _form(analyst, "/flags/F-ter-2/dismiss", {"reason": "not-a-reason"})
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert "unknown dismissal reason" in r.text  # type: ignore[attr-defined]
    assert signed_in("demo-investigator").get("/cases/C-999999").status_code == 404


def test_cases_api_is_mounted_with_the_session_user_and_csrf(
    signed_in: Callable[[str], TestClient], seeded: dict[str, list[str]]
) -> None:
    analyst = signed_in("demo-analyst")
    queue = analyst.get("/api/cases/queue")
    assert queue.status_code == 200
    assert {i["person_id"] for i in queue.json()["items"]} <= set(seeded["tertiary"])
    refused = analyst.post("/api/cases/flags/F-ter-2/dismiss", json={"reason": "duplicate"})
    assert refused.status_code == 403  # no CSRF header
    staff = signed_in("demo-staff").get("/api/cases/queue")
    assert staff.status_code == 403 and staff.json()["audited"] is True
    spec = analyst.get("/api/openapi.json").json()
    assert "/api/cases/queue" in spec["paths"] and "/api/my-data" in spec["paths"]


def test_json_api_covers_the_unmask_journey(
    signed_in: Callable[[str], TestClient], seeded: dict[str, list[str]]
) -> None:
    def header(c: TestClient) -> dict[str, str]:
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get("/").text)
        assert token
        return {"X-CSRF-Token": token.group(1)}

    analyst = signed_in("demo-analyst")
    flag = analyst.get("/api/flags/F-ter-2").json()
    assert flag["person_id"] == seeded["tertiary"][2] and "evidence" not in flag
    opened = analyst.post(
        "/api/cases",
        json={"flag_ids": ["F-ter-2"], "investigator": "demo-investigator"},
        headers=header(analyst),
    )
    assert opened.status_code == 201, opened.text
    ref = opened.json()["ref"]

    reviewer = signed_in("demo-investigator")
    assert reviewer.post(f"/api/cases/{ref}/identity", headers=header(reviewer)).status_code == 403
    asked = reviewer.post(
        "/api/unmask/requests",
        json={"case_ref": ref, "justification": "interview"},
        headers=header(reviewer),
    )
    assert asked.status_code == 201, asked.text
    own = reviewer.post(
        f"/api/unmask/requests/{asked.json()['id']}/decision",
        json={"approve": True},
        headers=header(reviewer),
    )
    assert own.status_code in (400, 403)  # four eyes

    authority = signed_in("demo-appropriate-authority")
    pending = authority.get("/api/unmask/requests").json()
    assert asked.json()["id"] in [p["id"] for p in pending]
    decided = authority.post(
        f"/api/unmask/requests/{asked.json()['id']}/decision",
        json={"approve": True, "reason": "justified"},
        headers=header(authority),
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    ident = reviewer.post(f"/api/cases/{ref}/identity", headers=header(reviewer))
    assert ident.status_code == 200 and ident.json()["person_id"] == seeded["tertiary"][2]
    assert ident.json()["staff_number"]
