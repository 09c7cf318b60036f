from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "governance.md"


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_source_retention_is_documented_correctly(text: str) -> None:
    from integritas.retention.policies import BATCH_CLOCK, source_policies

    for p in source_policies():
        clock = "batch commit date" if p.clock == BATCH_CLOCK else f"`{p.clock}`"
        assert f"| `{p.source}` | {p.retention_days} | {clock} |" in text, p.source


def test_case_and_other_policies_are_documented(text: str) -> None:
    from integritas.retention import policies as pol

    for outcome, days in pol.CLOSED_CASE_DAYS.items():
        assert f"| `{outcome}` | {days} |" in text, outcome
    for o in pol.other_policies():
        assert f"| `{o.name}` |" in text, o.name
        assert o.disposal in text, o.name
    assert f"{pol.DISMISSED_FLAG_DAYS} days after dismissal" in text
    assert f"otherwise {pol.CLOSED_CASE_DEFAULT_DAYS} days" in text
    assert f"| {pol.AUDIT_DAYS} days |" in text


def test_every_role_and_fairness_dimension_is_documented(text: str) -> None:
    from integritas.access.roles import roles
    from integritas.fairness.service import DIMENSIONS
    from integritas.fairness.stats import AIR_THRESHOLD

    for name in roles():
        assert f"| `{name}` |" in text, name
    for dim in DIMENSIONS:
        assert f"`{dim}`" in text, dim
    assert f"below **{AIR_THRESHOLD}**" in text


def test_every_governance_event_and_command_is_documented(text: str) -> None:
    import integritas.fairness.service
    import integritas.rights.events
    import integritas.transparency.gate  # noqa: F401
    from integritas.audit.events import event_types

    ours = [n for n in event_types() if re.match(r"(rights|governance|fairness)\.", n)]
    assert len(ours) >= 10
    for name in [*ours, "retention.run"]:
        assert f"`{name}`" in text, name
    for cmd in (
        "retention apply",
        "sar export",
        "dispute raise",
        "dispute resolve",
        "objection raise",
        "objection decide",
        "dpia render",
        "dpia consult",
        "dpia check",
        "activate",
        "signoff",
        "fairness report",
        "fairness justify",
    ):
        assert f"integritas {cmd}" in text, cmd
