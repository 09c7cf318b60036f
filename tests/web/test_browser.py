"""Each role's journey in Debian's Chromium (Playwright), against uvicorn on loopback.

Screenshots of the main pages go to docs/screenshots/. Run with ``-m browser``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[str]:
    """uvicorn on loopback in a thread, for as long as the block runs."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def server(web_app: FastAPI) -> Iterator[str]:
    with serving(web_app, _free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def login(server: str, passwords: dict[str, str]) -> Callable[[Any, str], None]:
    def sign_in(page: Any, username: str) -> None:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", passwords[username])
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return sign_in


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    problems: list[str] = []
    p.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    # A navigation cancels requests still in flight (net::ERR_ABORTED): not a failure.
    p.on(
        "requestfailed",
        lambda r: None if r.failure == "net::ERR_ABORTED" else problems.append(f"failed: {r.url}"),
    )
    p.on(
        "request",
        lambda r: None if r.url.startswith(server) else problems.append(f"outside: {r.url}"),
    )
    yield p
    context.close()
    # No CSP violation, no failed asset, no request leaving the server. (A refusal page is
    # itself a 403 response, which the console reports: that one is expected.)
    expected = "the server responded with a status of 403"
    assert [x for x in problems if expected not in x] == []


def shot(page: Any, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_analyst_sees_health_but_not_the_audit_log(
    page: Any, login: Callable[[Any, str], None]
) -> None:
    page.goto("/login")
    shot(page, "login")
    login(page, "demo-analyst")
    assert page.text_content("#role") == "Analyst"
    page.click("text=Organisation health")
    assert page.locator("svg.heatmap").count() == 1
    assert "suppressed (<10)" in page.text_content("#heatmap-table")
    assert "P-SHOULDNEVERSHOW" not in page.content()
    shot(page, "organisation-health")
    page.locator("#heatmap-table tbody a", has_text="trend").first.click()
    assert page.locator("svg.line").count() >= 1
    shot(page, "unit-trends")
    nav = page.text_content("header nav")
    assert "Governance" not in nav and "My data" not in nav
    response = page.goto("/governance/audit")
    assert response.status == 403
    assert "recorded in the audit log" in page.text_content("main")
    shot(page, "forbidden")


def test_staff_reads_own_data_and_is_refused_org_health(
    page: Any, login: Callable[[Any, str], None]
) -> None:
    login(page, "demo-staff")
    assert page.text_content("#role") == "Member of staff"
    page.click("text=My data")
    pseudonym = page.text_content("#my-pseudonym")
    assert pseudonym and pseudonym.startswith("P-")
    row = page.locator("#held-table tr[data-source=training]")
    assert int(row.locator("td").last.text_content() or "0") > 0
    shot(page, "my-data", full=False)
    row.locator("a").click()
    assert page.locator("#records-table tbody tr").count() > 0
    page.click("text=Monitoring notice")
    assert "indicators, never findings" in page.text_content("main")
    response = page.goto("/health")
    assert response.status == 403


def test_auditor_verifies_the_chain(page: Any, login: Callable[[Any, str], None]) -> None:
    login(page, "demo-auditor")
    assert page.text_content("#role") == "Auditor"
    page.click("text=Governance")
    page.click("#verify-chain")
    page.wait_for_load_state()
    assert page.text_content("#chain-status").startswith("Chain valid")
    assert page.locator("#audit-table tbody tr").count() > 0
    shot(page, "audit-log", full=False)
    assert page.goto("/health").status == 403


def _second_authority(ws: Any, passwords: dict[str, str]) -> str:
    from sqlalchemy import select

    from integritas.access.models import User
    from integritas.access.users import add_user
    from integritas.store.session import workspace_sessions

    name = "second-authority"
    with workspace_sessions(ws).begin() as s:
        if s.scalar(select(User.id).where(User.username == name)) is None:
            add_user(s, username=name, role="appropriate_authority", password="second password 1")
    passwords[name] = "second password 1"
    return name


def test_case_journey_triage_unmask_outcome(
    browser: Any,
    server: str,
    login: Callable[[Any, str], None],
    web_ws: Any,
    passwords: dict[str, str],
) -> None:
    def as_user(username: str) -> Any:
        ctx = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
        p = ctx.new_page()
        login(p, username)
        return p

    # analyst: triage -> flag -> open a case
    analyst = as_user("demo-analyst")
    analyst.click("text=Triage")
    assert analyst.locator("#queue-table tbody tr[data-flag]").count() >= 1
    shot(analyst, "triage")
    analyst.locator("tr[data-flag='F-ter-0'] a").click()
    assert analyst.locator("svg.peers").count() == 1
    assert analyst.locator("#evidence-locked").count() == 1
    shot(analyst, "flag")
    analyst.select_option("#investigator", "demo-investigator")
    analyst.click("#open-case")
    analyst.wait_for_load_state()
    status = analyst.text_content("#flag-status") or ""
    ref = status.split("in case ")[1].split()[0]
    assert analyst.goto(f"/cases/{ref}").status == 403

    # reviewer: cannot see evidence until a second person approves unmasking
    reviewer = as_user("demo-investigator")
    reviewer.click("text=Cases")
    reviewer.click(f"text={ref}")
    assert reviewer.locator("#evidence-locked").count() == 1
    reviewer.fill("textarea[name=justification]", "to interview the officer")
    reviewer.click("#request-unmask")
    reviewer.wait_for_load_state()
    assert "awaiting a second person" in reviewer.text_content("main")
    authority = as_user("demo-appropriate-authority")
    authority.click("text=Unmask requests")
    shot(authority, "unmask-requests")
    authority.locator("#unmask-table tbody tr").last.locator("button[value=approve]").click()
    authority.wait_for_load_state()
    reviewer.reload()
    reviewer.click("#open-evidence")
    reviewer.wait_for_load_state()
    assert reviewer.locator(".evidence-table").count() >= 1
    reviewer.click("#reveal")
    reviewer.wait_for_load_state()
    assert "staff number" in reviewer.text_content("#identity")
    reviewer.fill("textarea[name=text]", "Roster checked with the duty sergeant.")
    reviewer.click("#add-note")
    reviewer.wait_for_load_state()
    reviewer.click("#notify")
    reviewer.wait_for_load_state()
    reviewer.fill("textarea[name=response]", "I covered an extra shift for a colleague.")
    reviewer.click("#record-account")
    reviewer.wait_for_load_state()
    assert reviewer.locator("#decide").count() == 0  # the outcome is not the reviewer's
    shot(reviewer, "case")

    # appropriate authority: own grant (approved by a second authority), then the outcome
    authority.goto(f"/cases/{ref}")
    authority.fill("textarea[name=justification]", "to decide the outcome")
    authority.click("#request-unmask")
    authority.wait_for_load_state()
    second = as_user(_second_authority(web_ws, passwords))
    second.goto("/unmask")
    second.locator("#unmask-table tbody tr").last.locator("button[value=approve]").click()
    second.wait_for_load_state()
    authority.goto(f"/cases/{ref}/evidence")
    authority.select_option("#outcome-code", "legitimate_explanation")
    authority.fill("textarea[name=reasons]", "Account corroborated by the roster.")
    authority.click("#decide")
    authority.wait_for_load_state()
    assert "Account corroborated by the roster." in authority.text_content("p.outcome")
    for p in (analyst, reviewer, authority, second):
        p.context.close()


def test_line_manager_sees_only_own_team(
    page: Any, login: Callable[[Any, str], None], seeded: dict[str, list[str]]
) -> None:
    login(page, "demo-line-manager")
    page.click("text=Welfare")
    people = page.locator("section.welfare").evaluate_all("els => els.map(e => e.dataset.person)")
    assert people == seeded["team"]
    assert seeded["outside"][0] not in page.content()
    shot(page, "welfare")
    assert page.goto("/triage").status == 403


def test_staff_requests_own_data(page: Any, login: Callable[[Any, str], None]) -> None:
    login(page, "demo-staff")
    page.goto("/my-data")
    page.click("#request-export")
    page.wait_for_load_state()
    assert page.locator("#exports li").count() >= 1


def test_registers_and_logout(page: Any, login: Callable[[Any, str], None]) -> None:
    login(page, "demo-line-manager")
    assert page.text_content("#role") == "Line manager"
    page.click("text=Registers")
    assert page.locator("#sources-table tbody tr").count() > 5
    shot(page, "registers", full=False)
    page.click("text=Sign out")
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    page.goto("/registers")
    assert "/login" in page.url


def test_dpo_oversight(page: Any, login: Callable[[Any, str], None]) -> None:
    login(page, "demo-dpo")
    assert page.text_content("#role") == "Data protection officer"
    page.click("text=Oversight")
    assert page.locator("#documents-list li").count() >= 1
    assert page.locator("#policies-table tbody tr").count() > 5
    shot(page, "oversight", full=False)
    page.locator("#documents-list a").first.click()
    assert page.locator("article.document").count() == 1
    page.goto("/governance/unmask-register")
    assert page.locator("#unmask-register").count() == 1
    assert page.goto("/triage").status == 403


def test_demo_workspace_screenshots(browser: Any) -> None:
    """With INTEGRITAS_DEMO_HOME set to an `integritas demo` workspace: screenshots of real data."""
    import json
    import os

    home = os.environ.get("INTEGRITAS_DEMO_HOME")
    if not home:
        pytest.skip("INTEGRITAS_DEMO_HOME not set")
    from integritas.settings import WebSettings, Workspace
    from integritas.web.app import create_app

    ws = Workspace.from_settings(Path(home))
    logins = json.loads((ws.home / "demo-logins.json").read_text())
    app = create_app(ws, WebSettings(secure_cookies=False))
    with serving(app, _free_port()) as url:
        ctx = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()

        def sign_in(username: str) -> None:
            page.goto("/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", logins[username])
            page.click("button[type=submit]")

        sign_in("demo-analyst")
        page.goto("/health")
        assert page.locator("svg.heatmap").count() == 1
        shot(page, "demo-organisation-health", full=False)
        page.locator("#heatmap-table tbody a", has_text="trend").nth(1).click()
        assert page.locator("svg.line").count() >= 1
        shot(page, "demo-unit-trends", full=False)
        page.goto("/triage")
        shot(page, "demo-triage", full=False)
        page.goto("/linkage")
        shot(page, "demo-linkage-queue", full=False)
        first = page.locator("#linkage-queue tbody a").first
        if first.count():
            first.click()
            assert page.locator("figure.waterfall svg").count() == 1
            shot(page, "demo-linkage-pair", full=False)
        page.click("text=Sign out")
        sign_in("demo-administrator")
        page.goto("/admin/users")
        shot(page, "demo-accounts", full=False)
        ctx.close()


def test_single_sign_on_in_a_real_browser(
    browser: Any, web_ws: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Password-less sign-in through a provider on another site (localhost vs 127.0.0.1):
    the provider's cross-site redirect lands on the callback, and the session then reaches
    the page the user asked for."""
    from integritas.access.testing import LocalIdP, SigningKey
    from integritas.access.users import add_user
    from integritas.settings import WebSettings
    from integritas.store.session import workspace_sessions
    from integritas.web.app import create_app

    with workspace_sessions(web_ws).begin() as s:
        add_user(s, username="sso-browser", role="analyst", password=None, oidc_subject="sub-b")
    port = _free_port()
    key = SigningKey("b-1", seed=12)
    with LocalIdP(key, client_id="integritas", subject="sub-b", host="localhost") as idp:
        cfg = idp.settings(
            f"http://127.0.0.1:{port}/login/oidc/callback",
            tmp_path_factory.mktemp("oidc-browser") / "jwks.json",
        )
        app = create_app(web_ws, WebSettings(secure_cookies=False), oidc=cfg)
        with serving(app, port) as url:
            context = browser.new_context(base_url=url)
            page = context.new_page()
            page.goto("/login?next=/triage")
            page.click("#oidc-login")
            page.wait_for_url(f"{url}/triage")
            assert "sso-browser" in page.content()
            assert page.locator("h1").first.inner_text() == "Triage queue"
            context.close()
