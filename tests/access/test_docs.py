"""docs/governance-access.md must say what roles.py and actions.py say."""

from __future__ import annotations

from pathlib import Path

from integritas.access.actions import ACTIONS
from integritas.access.docs import render
from integritas.access.roles import roles

DOC = Path(__file__).resolve().parents[2] / "docs" / "governance-access.md"


def test_governance_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/governance-access.md is stale: run "
        "`python -m integritas.access.docs > docs/governance-access.md`"
    )


def test_every_role_has_a_written_description_and_every_action_one() -> None:
    text = DOC.read_text(encoding="utf-8")
    for r in roles().values():
        assert len(r.description) > 40 and f"(`{r.name}`)" in text
    for a in ACTIONS.values():
        assert a.description and f"`{a.name}`" in text


def test_administrator_section_lists_no_person_data() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("(`administrator`)")[1].split("###")[0].split("## Actions")[0]
    assert "`users.manage`" in section
    for person_action in ("flag.read_evidence", "identity.read", "self.read", "case.read"):
        assert f"`{person_action}`" not in section
