from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from integritas.catalog.models import Proportionality
from integritas.catalog.registry import catalog
from integritas.settings import Workspace
from integritas.transparency.dpia import Consultation, add_consultation, source_problems
from integritas.transparency.gate import GateError, activate, check, is_active, signoff
from integritas.transparency.publish import render


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    from integritas.store.migrate import upgrade
    from integritas.store.session import make_engine

    w = Workspace.from_settings(tmp_path / "home")
    upgrade(make_engine(w.database_url))
    return w


def _session(ws: Workspace):  # type: ignore[no-untyped-def]
    from integritas.store.session import workspace_sessions

    return workspace_sessions(ws).begin()


def _consult(ws: Workspace) -> None:
    add_consultation(
        ws, Consultation("2026-01-10", "Staff associations", "Asked for a plainer notice; done.")
    )


def test_missing_bank_mellat_answers_make_a_source_incomplete() -> None:
    src = catalog()["overtime_claims"]
    assert source_problems(src) == []
    broken = src.model_copy(update={"proportionality": Proportionality(objective="x")})
    problems = source_problems(broken)
    assert len(problems) == 3 and all("Bank Mellat" in p for p in problems)


def test_gate_refuses_an_incomplete_source_and_says_what_is_missing(ws: Workspace) -> None:
    with _session(ws) as s:
        res = activate(ws, session=s, kind="source", name="overtime_claims", actor="dpo")
    assert not res.allowed
    text = "\n".join(res.missing)
    assert "no consultation recorded" in text and "no DPO sign-off" in text
    _consult(ws)
    with _session(ws) as s:
        with pytest.raises(GateError, match="full name"):
            signoff(ws, session=s, kind="source", name="overtime_claims", by="Dana", role="dpo")
        with pytest.raises(GateError, match="only the data protection officer"):
            signoff(
                ws, session=s, kind="source", name="overtime_claims", by="Al Bo", role="analyst"
            )
        with pytest.raises(GateError, match="no source named"):
            signoff(ws, session=s, kind="source", name="nope", by="Dana Officer", role="dpo")
        signoff(ws, session=s, kind="source", name="overtime_claims", by="Dana Officer", role="dpo")
        res = activate(ws, session=s, kind="source", name="overtime_claims", actor="dpo")
        assert res.allowed and res.missing == []
        assert is_active(s, "source", "overtime_claims", res.version)


def _record_check(
    s: Session, rule: str, version: int, passed: bool, findings: list[object]
) -> None:
    from integritas.fairness.models import FairnessCheck

    s.add(
        FairnessCheck(
            rule=rule,
            rule_version=version,
            passed=passed,
            findings=json.dumps(findings),
            run_by="t",
        )
    )
    s.flush()


def test_gate_needs_a_passed_fairness_check_for_a_rule(ws: Workspace) -> None:
    from integritas.detect.catalogue import load_rules
    from integritas.metrics.registry import load_metrics

    metrics = {m.name for m in load_metrics()}
    rule = next(r for r in load_rules() if r.metric in metrics)
    _consult(ws)
    with _session(ws) as s:
        res = check(ws, session=s, kind="rule", name=rule.name)
        assert any("no DPO sign-off" in m for m in res.missing)
        assert any("no fairness check" in m for m in res.missing)
        signoff(ws, session=s, kind="rule", name=rule.name, by="Dana Officer", role="dpo")
        finding = {
            "dimension": "sex",
            "group": "female",
            "ratio": 0.5,
            "p_value": 0.01,
            "justified": False,
        }
        _record_check(s, rule.name, rule.version, False, [finding])
        res = activate(ws, session=s, kind="rule", name=rule.name, actor="dpo")
        assert [m for m in res.missing] == [
            "fairness: adverse impact for sex=female (ratio 0.50, p=0.01) has no recorded "
            "justification (`integritas fairness justify`)"
        ]
        _record_check(s, rule.name, rule.version, True, [])
        assert activate(ws, session=s, kind="rule", name=rule.name, actor="dpo").allowed


def test_render_versions_and_diffs(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    first = render(ws, out)
    assert first.version == 1 and first.new_version and first.diff == []
    again = render(ws, out)
    assert (again.version, again.new_version, again.sha256) == (1, False, first.sha256)
    _consult(ws)
    second = render(ws, out)
    assert second.version == 2 and second.previous == 1
    assert "+2026-01-10 | Staff associations | Asked for a plainer notice; done." in second.diff
    versions = json.loads((out / "versions.json").read_text())["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    for slug in (
        "dpia",
        "record-of-processing",
        "staff-notice",
        "metric-register",
        "rule-register",
    ):
        html = (out / f"{slug}.html").read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no external assets
        assert (out / f"{slug}.pdf").read_bytes().startswith(b"%PDF")
    dpia = (out / "dpia.html").read_text()
    for src in catalog().values():
        assert src.title.replace("&", "&amp;") in dpia
    assert "Bank Mellat" in dpia and "Consultation record" in dpia
    assert "Staff associations" in (out / "index.html").read_text()
