from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from integritas.audit.models import AuditEvent
from integritas.settings import Workspace
from integritas.store.session import workspace_sessions
from integritas.web.orghealth import unit_tree

PERSON_LEVEL_ID = "P-SHOULDNEVERSHOW"


def _denials(ws: Workspace, action: str, actor: str) -> int:
    with workspace_sessions(ws)() as s:
        q = select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.actor == actor, AuditEvent.outcome == "denied"
        )
        return len(list(s.scalars(q)))


def test_heatmap_shows_units_suppresses_small_cells_and_no_person(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    c = signed_in("demo-analyst")
    r = c.get("/health")
    assert r.status_code == 200
    assert "<svg" in r.text and 'class="chart heatmap"' in r.text
    assert "suppressed (&lt;10)" in r.text
    assert PERSON_LEVEL_ID not in r.text and "99" not in r.text.split("heatmap-table")[1]
    data = c.get("/api/health/heatmap").json()
    assert [m["name"] for m in data["metrics"]] == [
        "overtime_hours_share",
        "training_overdue_rate",
    ]
    cells = [cell for row in data["rows"] for cell in row["cells"]]
    assert any(cell["suppressed"] for cell in cells)
    assert all(cell["value"] is None for cell in cells if cell["suppressed"])
    assert all(row["unit"]["unit_id"] != PERSON_LEVEL_ID for row in data["rows"])


def test_drill_down_follows_the_unit_tree(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    units = unit_tree(web_ws)
    parent = next(u for u in units.values() if u.parent_id in units and u.children)
    c = signed_in("demo-line-manager")
    data = c.get("/api/health/heatmap", params={"unit": parent.unit_id}).json()
    shown = [row["unit"]["unit_id"] for row in data["rows"]]
    assert shown == [parent.unit_id, *parent.children]
    assert [b["unit_id"] for b in data["breadcrumb"]][-1] == parent.unit_id
    page = c.get("/health", params={"unit": parent.unit_id})
    assert parent.name in page.text
    assert c.get("/health", params={"unit": "NOPE"}).status_code == 404


def test_unit_trend_has_gaps_for_suppressed_periods(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = sorted(unit_tree(web_ws))
    small, big = ids[2], ids[0]  # the fixture makes every third unit small
    c = signed_in("demo-analyst")
    small_view = c.get(f"/api/health/units/{small}").json()
    assert all(
        p["value"] is None and p["suppressed"] for s in small_view["series"] for p in s["points"]
    )
    big_view = c.get(f"/api/health/units/{big}").json()
    assert [p["value"] for p in big_view["series"][0]["points"]] == [1.6, 1.7, 1.8]
    page = c.get(f"/health/units/{big}")
    assert page.status_code == 200 and "<polyline" in page.text


def test_forbidden_page_is_clear_and_audited(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    before = _denials(web_ws, "metrics.read_org", "demo-staff")
    c = signed_in("demo-staff")
    r = c.get("/health")
    assert r.status_code == 403
    assert "recorded in the audit log" in r.text
    assert "metrics.read_org" in r.text
    assert _denials(web_ws, "metrics.read_org", "demo-staff") == before + 1
    api = c.get("/api/health/heatmap")
    assert api.status_code == 403 and api.json()["audited"] is True
    assert _denials(web_ws, "metrics.read_org", "demo-staff") == before + 2


def test_nav_follows_role(signed_in: Callable[[str], TestClient]) -> None:
    expect = {
        "demo-analyst": ({"/health", "/registers"}, {"/governance/audit", "/my-data"}),
        "demo-auditor": ({"/governance/audit", "/registers"}, {"/health"}),
        "demo-staff": ({"/my-data", "/registers"}, {"/health", "/governance/audit"}),
        "demo-administrator": ({"/registers"}, {"/health", "/my-data", "/governance/audit"}),
    }
    for username, (shown, hidden) in expect.items():
        pages = set(signed_in(username).get("/api/me").json()["pages"])
        assert shown <= pages, username
        assert not hidden & pages, username


def test_registers_list_sources_metrics_and_rules_with_mode(
    signed_in: Callable[[str], TestClient],
) -> None:
    from integritas.catalog.registry import catalog
    from integritas.detect.catalogue import load_rules
    from integritas.metrics.registry import load_metrics

    c = signed_in("demo-staff")
    data = c.get("/api/registers").json()
    assert {s["name"] for s in data["sources"]} == set(catalog())
    assert {m["name"] for m in data["metrics"]} == {m.name for m in load_metrics()}
    assert [(r["name"], r["mode"]) for r in data["rules"]] == [
        (r.name, str(r.mode)) for r in load_rules()
    ]
    page = c.get("/registers")
    assert page.status_code == 200 and "hr_master" in page.text


def test_audit_viewer_and_chain_verification(
    signed_in: Callable[[str], TestClient],
    web_ws: Workspace,
    csrf_of: Callable[[str], str],
) -> None:
    c = signed_in("demo-auditor")
    page = c.get("/governance/audit")
    assert page.status_code == 200
    assert "Not verified since this server started" in page.text or "Chain valid" in page.text
    r = c.post(
        "/governance/audit/verify", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True
    )
    assert r.status_code == 200
    assert "Chain valid" in r.text
    filtered = c.get("/api/audit/events", params={"action": "audit.verify"}).json()
    assert filtered["total"] >= 1
    assert all(e["action"] == "audit.verify" for e in filtered["events"])
    # the JSON endpoint needs the CSRF header like any state-changing request
    assert c.post("/api/audit/verify").status_code == 403
    ok = c.post("/api/audit/verify", headers={"X-CSRF-Token": csrf_of(page.text)})
    assert ok.status_code == 200 and ok.json()["ok"] is True


def test_analyst_cannot_read_or_verify_the_audit_log(
    signed_in: Callable[[str], TestClient], csrf_of: Callable[[str], str]
) -> None:
    c = signed_in("demo-analyst")
    assert c.get("/governance/audit").status_code == 403
    token = csrf_of(c.get("/").text)
    assert c.post("/governance/audit/verify", data={"csrf_token": token}).status_code == 403


def test_dpo_sees_log_but_may_not_verify(signed_in: Callable[[str], TestClient]) -> None:
    c = signed_in("demo-dpo")
    page = c.get("/governance/audit")
    assert page.status_code == 200
    assert 'id="verify-chain"' not in page.text


def test_rule_precision_shown_only_to_roles_that_read_rules(
    signed_in: Callable[[str], TestClient],
) -> None:
    analyst = signed_in("demo-analyst").get("/registers").text
    staff = signed_in("demo-staff").get("/registers").text
    assert "<th>Precision</th>" in analyst and "<th>Fairness</th>" in analyst
    assert "<th>Precision</th>" not in staff and "<th>Fairness</th>" in staff
    rules = signed_in("demo-staff").get("/api/registers").json()["rules"]
    assert all(r["precision"] == "" for r in rules)
    assert all(r["fairness"] in ("passed", "failed", "not run") for r in rules)


def test_units_without_own_values_show_the_median_of_units_below(
    signed_in: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    import statistics

    units = unit_tree(web_ws)
    ids = sorted(units)
    small = {u for i, u in enumerate(ids) if i % 3 == 2}  # the fixture's small units
    root = next(u for u in units.values() if u.parent_id not in units)
    c = signed_in("demo-analyst")
    data = c.get("/api/health/heatmap", params={"unit": root.unit_id}).json()
    # Every unit here has its own rows in the fixture: no summarising happens.
    assert all(cell["units_summarised"] is None for row in data["rows"] for cell in row["cells"])
    # The rule itself: medians over visible (not small) units, never over people.
    from datetime import date

    from integritas.web.orghealth import _rollup, _Row

    rows = [
        _Row(u, "m", date(2025, 3, 28), 1.0 + i, False, 4 if u in small else 20)
        for i, u in enumerate(ids[:6])
    ]
    cell = _rollup(rows, 10, "m")
    assert cell is not None
    visible = [r.value for r in rows if r.unit_id not in small and r.value is not None]
    assert cell.value == statistics.median(visible)
    assert cell.units_summarised == len(visible)
    all_small = _rollup([r for r in rows if r.unit_id in small], 10, "m")
    assert all_small is not None and all_small.suppressed and all_small.value is None
    undefined = _rollup([_Row("X", "m", date(2025, 3, 28), None, False, 20)], 10, "m")
    assert undefined is not None and not undefined.suppressed and undefined.value is None
