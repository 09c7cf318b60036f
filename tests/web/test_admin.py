"""Account administration pages (administrator role only)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.settings import Workspace


def _audit(ws: Workspace, action: str) -> list[str]:
    from integritas.audit.models import AuditEvent
    from integritas.store.session import workspace_sessions

    with workspace_sessions(ws)() as s:
        return list(s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == action)))


def test_administrator_adds_and_disables_an_account(
    signed_in: Callable[[str], TestClient], web_ws: Workspace, csrf: Callable[[str], str]
) -> None:
    admin = signed_in("demo-administrator")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert 'data-user="demo-analyst"' in page.text
    # the administrator never sees whose account is whose: no pseudonym on the page
    assert "P-" not in re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", page.text)
    token = csrf(page.text)
    bad = admin.post(
        "/admin/users",
        data={"username": "new-reviewer", "role": "no-such-role", "password": "short",
              "csrf_token": token},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "password shorter than 12 characters" in bad.text and "no-such-role" in bad.text
    assert 'data-user="new-reviewer"' not in admin.get("/admin/users").text  # nothing stored
    ok = admin.post(
        "/admin/users",
        data={"username": "new-reviewer", "display_name": "New Reviewer", "role": "investigator",
              "password": "a-long-enough-secret", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert ok.status_code == 303
    listing = admin.get("/admin/users").text
    assert 'data-user="new-reviewer"' in listing and "New Reviewer" in listing
    assert "new-reviewer" in _audit(web_ws, "user.created")
    off = admin.post(
        "/admin/users/new-reviewer/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert off.status_code == 303
    row = re.search(r'<tr data-user="new-reviewer">.*?</tr>', admin.get("/admin/users").text, re.S)
    assert row and "disabled" in row.group(0)
    assert "new-reviewer" in _audit(web_ws, "user.disabled")


def test_administrator_cannot_disable_themselves_or_a_stranger(
    signed_in: Callable[[str], TestClient], csrf: Callable[[str], str]
) -> None:
    admin = signed_in("demo-administrator")
    token = csrf(admin.get("/admin/users").text)
    me = admin.post("/admin/users/demo-administrator/disable", data={"csrf_token": token})
    assert me.status_code == 400 and "your own account" in me.text
    nobody = admin.post("/admin/users/nobody-at-all/disable", data={"csrf_token": token})
    assert nobody.status_code == 404 and "no user" in nobody.text


def test_other_roles_are_refused(
    signed_in: Callable[[str], TestClient], csrf: Callable[[str], str]
) -> None:
    for name in ("demo-analyst", "demo-dpo", "demo-staff"):
        c = signed_in(name)
        assert c.get("/admin/users").status_code == 403
        token = csrf(c.get("/").text)
        refused = c.post(
            "/admin/users",
            data={"username": "sneaky", "role": "administrator", "password": "x" * 20,
                  "csrf_token": token},
        )  # fmt: skip
        assert refused.status_code == 403
        assert "Accounts" not in c.get("/").text
