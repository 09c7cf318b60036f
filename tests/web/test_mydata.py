from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.access.models import User
from integritas.audit.models import AuditEvent
from integritas.settings import Workspace
from integritas.store.session import workspace_sessions


def _person(ws: Workspace, username: str) -> str:
    with workspace_sessions(ws)() as s:
        pid = s.scalar(select(User.person_id).where(User.username == username))
    assert pid
    return pid


def test_my_data_counts_my_rows_and_logs_the_read(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    me = _person(web_ws, "demo-staff")
    c = signed_in("demo-staff")
    data = c.get("/api/my-data").json()
    assert data["person_id"] == me
    held = {h["source"]: h["rows_about_me"] for h in data["held"]}
    assert held["hr_master"] == 1
    assert held["training"] > 0
    assert held["device_location"] == 0
    with workspace_sessions(web_ws)() as s:
        last = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "self.read", AuditEvent.actor == "demo-staff")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert last is not None and me in last.subjects and last.outcome == "allowed"
    page = c.get("/my-data")
    assert page.status_code == 200 and me in page.text and "/notice" in page.text


def test_my_records_show_only_mine_with_other_pseudonyms_blanked(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    me = _person(web_ws, "demo-staff")
    manager = _person(web_ws, "demo-line-manager")
    c = signed_in("demo-staff")
    hr = c.get("/api/my-data/records/hr_master").json()
    assert len(hr["rows"]) == 1
    flat = " ".join(" ".join(r) for r in hr["rows"])
    assert manager not in flat and "(another person)" in flat
    assert me not in flat  # the person column itself is not repeated
    training = c.get("/api/my-data/records/training").json()
    assert len(training["rows"]) == len(training["row_numbers"]) > 0
    assert c.get("/api/my-data/records/unit_tree").status_code == 404


def test_accounts_without_a_person_get_no_self_service(
    signed_in: Callable[[str], TestClient],
) -> None:
    c = signed_in("demo-analyst")
    assert c.get("/api/my-data").status_code == 404
    admin = signed_in("demo-administrator")
    assert admin.get("/api/my-data").status_code == 404


def test_monitoring_notice_is_public(client: TestClient) -> None:
    r = client.get("/notice")
    assert r.status_code == 200
    assert "indicators, never findings" in r.text
    assert "HR master" in r.text or "hr" in r.text.lower()


def _token(c: TestClient, page: str = "/my-data") -> str:
    import re

    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get(page).text)
    assert m
    return m.group(1)


def test_staff_requests_own_export_and_only_they_can_fetch_it(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    import io
    import json
    import zipfile

    me = _person(web_ws, "demo-staff")
    c = signed_in("demo-staff")
    r = c.post("/my-data/export", data={"csrf_token": _token(c)}, follow_redirects=True)
    assert r.status_code == 200
    import re

    link = re.search(r'href="(/my-data/exports/[^"]+\.zip)"', r.text)
    assert link, "the export is listed on My data"
    got = c.get(link.group(1))
    assert got.status_code == 200
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(got.content)).read("manifest.json"))
    assert manifest["person_id"] == me
    other = signed_in("demo-line-manager")
    assert other.get(link.group(1)).status_code == 404
    assert c.get("/my-data/exports/..%2F..%2Fkeys%2Fpseudonym.key").status_code == 404


def test_staff_disputes_own_record_but_not_someone_elses(
    web_ws: Workspace, passwords: dict[str, str], tmp_path: Path
) -> None:
    # A copy of the workspace without metric values: a dispute then only sets the row aside
    # (with metric values, rights would also re-run detection over every source).
    import shutil

    from integritas.settings import WebSettings
    from integritas.web.app import create_app

    shutil.copytree(web_ws.home, tmp_path / "home", ignore=shutil.ignore_patterns("derived"))
    ws = Workspace.from_settings(tmp_path / "home")
    app = create_app(ws, WebSettings(secure_cookies=False), login_attempts_per_minute=1000)

    def signed_in(username: str) -> TestClient:
        client = TestClient(app, base_url="http://127.0.0.1")
        token = _token(client, "/login")
        client.post(
            "/login",
            data={"username": username, "password": passwords[username], "csrf_token": token},
        )
        return client

    c = signed_in("demo-staff")
    mine = c.get("/api/my-data/records/training").json()
    form = {
        "source": "training",
        "batch_id": mine["batch_ids"][0],
        "row_number": str(mine["row_numbers"][0]),
        "reason": "I completed this course",
        "csrf_token": _token(c),
    }
    r = c.post("/my-data/dispute", data=form, follow_redirects=True)
    assert r.status_code == 200 and 'id="dispute-recorded"' in r.text
    other = signed_in("demo-line-manager")
    theirs = other.get("/api/my-data/records/hr_master").json()
    form2 = {
        **form,
        "source": "hr_master",
        "batch_id": theirs["batch_ids"][0],
        "row_number": str(theirs["row_numbers"][0]),
        "csrf_token": _token(c),
    }
    refused = c.post("/my-data/dispute", data=form2)
    assert refused.status_code == 403
    bad = c.post("/my-data/dispute", data={**form, "row_number": "999999"})
    assert bad.status_code == 404 or bad.status_code == 400
    assert "has no row 999999" in bad.text


def test_export_through_the_json_api(signed_in: Callable[[str], TestClient]) -> None:
    c = signed_in("demo-staff")
    assert c.post("/api/my-data/export").status_code == 403  # CSRF header needed
    r = c.post("/api/my-data/export", headers={"X-CSRF-Token": _token(c)})
    assert r.status_code == 201
    assert c.get(r.json()["url"]).headers["content-type"] == "application/zip"
    # another session's token is refused; the analyst's own token gets "no staff record"
    analyst = signed_in("demo-analyst")
    assert (
        analyst.post("/api/my-data/export", headers={"X-CSRF-Token": _token(c)}).status_code == 403
    )
    own = analyst.post("/api/my-data/export", headers={"X-CSRF-Token": _token(analyst, "/")})
    assert own.status_code == 404
