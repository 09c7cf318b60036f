from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_dpo_sees_documents_schedules_and_unmask_register(
    signed_in: Callable[[str], TestClient],
) -> None:
    c = signed_in("demo-dpo")
    page = c.get("/governance")
    assert page.status_code == 200
    assert 'id="documents-list"' in page.text and "/governance/documents/" in page.text
    assert "<code>hr_master</code>" in page.text  # a retention schedule row
    slug = page.text.split('href="/governance/documents/')[1].split('"')[0]
    doc = c.get(f"/governance/documents/{slug}")
    assert doc.status_code == 200 and 'class="document"' in doc.text
    assert c.get("/governance/documents/no-such-doc").status_code == 404
    reg = c.get("/api/governance/unmask-register")
    assert reg.status_code == 200 and isinstance(reg.json(), list)
    assert c.get("/governance/unmask-register").status_code == 200
    assert c.get("/governance/certificates/NOPE").status_code == 404


def test_oversight_is_refused_to_analyst_and_staff(signed_in: Callable[[str], TestClient]) -> None:
    for who in ("demo-analyst", "demo-staff", "demo-line-manager"):
        c = signed_in(who)
        assert c.get("/governance").status_code == 403, who
        assert c.get("/api/governance/unmask-register").status_code == 403, who


def test_notice_uses_the_published_staff_notice(client: TestClient) -> None:
    page = client.get("/notice")
    assert page.status_code == 200
    assert 'id="staff-notice"' in page.text
    assert "How Integritas uses information about you" in page.text
