"""derived/linkage_accepted.parquet, the evaluation oracle and the SVG for the web package."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from integritas.audit.models import AuditEvent
from integritas.engine.backends import LINKAGE_ACCEPTED_SCHEMA, linkage_accepted_path
from integritas.linkage.accepted import export_accepted
from integritas.linkage.review import decide
from integritas.linkage.truth import ORACLE_ACTOR, TruthFileError, accept_from_truth, read_truth

LinkedWorkspace = Any  # the conftest dataclass (conftest is not importable here)
PLANTED_NUMBERS = {"NICK": "X0", "SWAP": "X1", "NODOB": "X2", "NAMESAKE": "X3", "DECL": "X4"}


def _decide(linked: LinkedWorkspace, session: Any, case: str, decision: str) -> None:
    decide(linked.ws, session=session, candidate_id=linked.cid(case), decision=decision,
           reason="checked the company filing", actor="rev1", role="reviewer")  # fmt: skip


def _accepted(linked: LinkedWorkspace) -> list[dict[str, Any]]:
    return pq.read_table(linkage_accepted_path(linked.ws)).to_pylist()


@pytest.mark.slow
def test_every_decision_rewrites_the_accepted_file(linked: LinkedWorkspace, session: Any) -> None:
    _decide(linked, session, "NICK", "accepted")
    _decide(linked, session, "DECL", "accepted")
    table = pq.read_table(linkage_accepted_path(linked.ws))
    assert table.schema.equals(LINKAGE_ACCEPTED_SCHEMA)
    rows = table.to_pylist()
    assert [(r["person_id"], r["record_id"], r["organisation_name"]) for r in rows] == [
        ("PX-NICK", "RX-NICK", "Planted Nick Ltd"),
        ("PX-DECL", "RX-DECL", "Brackenbury Consulting Limited"),
    ]
    nick = rows[0]
    assert nick["registry"] == linked.registry and nick["organisation_id"] == "90000001"
    assert str(nick["start_date"]) == "2024-01-01" and nick["decided_at"] is not None
    assert nick["decision_id"].isdigit()
    # The reviewer changes their mind: the latest decision wins and the row drops out.
    _decide(linked, session, "NICK", "rejected")
    assert [r["person_id"] for r in _accepted(linked)] == ["PX-DECL"]


@pytest.mark.slow
def test_rejected_match_never_appears(linked: LinkedWorkspace, session: Any) -> None:
    _decide(linked, session, "SWAP", "rejected")
    _decide(linked, session, "NAMESAKE" if _has(linked, "NAMESAKE") else "NODOB", "rejected")
    assert _accepted(linked) == []
    assert export_accepted(linked.ws, session) == linkage_accepted_path(linked.ws)
    assert pq.read_metadata(linkage_accepted_path(linked.ws)).num_rows == 0


def _truth_csv(linked: LinkedWorkspace, path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["registry", "record_id", "staff_number", "variant"])
        for pid, rid in sorted(linked.truth):
            w.writerow([linked.registry, rid, f"S{int(pid[1:]):06d}", "any"])
        for case in ("NICK", "SWAP", "NODOB", "DECL"):  # the namesake is not a true pair
            w.writerow([linked.registry, f"RX-{case}", PLANTED_NUMBERS[case], case.lower()])
    return path


@pytest.mark.slow
def test_oracle_decides_the_queue_from_truth(
    linked: LinkedWorkspace, session: Any, tmp_path: Path
) -> None:
    from integritas.linkage.review import latest_decisions, review_queue

    queued = {c.candidate_id for c in review_queue(linked.ws, session=session)}
    result = accept_from_truth(linked.ws, session, _truth_csv(linked, tmp_path / "t.csv"))
    assert result.accepted + result.rejected == len(queued) > 0
    decisions = latest_decisions(session=session)
    assert set(decisions) == queued and review_queue(linked.ws, session=session) == []
    assert {d.reviewer for d in decisions.values()} == {ORACLE_ACTOR}
    for case in ("NICK", "SWAP", "NODOB", "DECL"):
        assert decisions[linked.cid(case)].decision == "accepted"
    accepted = {(r["person_id"], r["record_id"]) for r in _accepted(linked)}
    assert len(accepted) == result.accepted and ("PX-NAMESAKE", "RX-NAMESAKE") not in accepted
    planted_true = {(f"PX-{c}", f"RX-{c}") for c in ("NICK", "SWAP", "NODOB", "DECL")}
    assert accepted - planted_true <= linked.truth  # nothing outside the truth is accepted
    actors = set(
        session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "linkage.review"))
    )
    assert actors == {ORACLE_ACTOR}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("registry,record_id\nr,1\n", "missing column(s) staff_number"),
        ("registry,record_id,staff_number\nr,1,S1\nr,,S2\n", "row 3: empty record_id"),
    ],
)
def test_bad_truth_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "truth.csv"
    path.write_text(content)
    with pytest.raises(TruthFileError, match=r"truth\.csv") as err:
        read_truth(path)
    assert message in str(err.value)
    with pytest.raises(TruthFileError, match="cannot be read"):
        read_truth(tmp_path / "absent.csv")


@pytest.mark.slow
def test_waterfall_svg_takes_a_candidate(linked: LinkedWorkspace) -> None:
    from integritas.linkage.candidates import get_candidate
    from integritas.linkage.explain import waterfall_svg

    cand = get_candidate(linked.ws, linked.cid("SWAP"))
    svg = waterfall_svg(cand)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert cand.candidate_id in svg and f"{cand.match_weight:+.2f}" in svg
    assert svg.count("<rect") == len(cand.contributions) + 1
    assert "swapped" in svg  # the level label is written on the chart
    for banned in ("<script", "href", "@import", "url("):
        assert banned not in svg


@pytest.mark.slow
def test_cli_link_export(
    linked: LinkedWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from integritas.cli import app

    monkeypatch.delenv("INTEGRITAS_DATABASE_URL", raising=False)
    runner = CliRunner()
    home = ["--home", str(linked.ws.home)]
    assert runner.invoke(app, [*home, "db", "upgrade"]).exit_code == 0
    cid = linked.cid("NODOB")
    out = runner.invoke(
        app, [*home, "link", "decide", cid, "accepted", "--reason", "filing", "--reviewer", "r"]
    )
    assert out.exit_code == 0, out.output
    linkage_accepted_path(linked.ws).unlink()
    out = runner.invoke(app, [*home, "link", "export"])
    assert out.exit_code == 0 and "1 accepted matches" in out.output, out.output
    assert [r["person_id"] for r in _accepted(linked)] == ["PX-NODOB"]
    # Reading the queue and one candidate are audited with every pseudonym shown.
    out = runner.invoke(app, [*home, "link", "queue"])
    assert out.exit_code == 0 and linked.cid("NICK") in out.output
    shown = {line.split()[3] for line in out.output.splitlines()}
    svg = tmp_path / "c.svg"
    out = runner.invoke(app, [*home, "link", "show", linked.cid("NICK"), "--svg", str(svg)])
    assert out.exit_code == 0 and svg.read_text().startswith("<svg")
    from integritas.store.session import workspace_sessions

    with workspace_sessions(linked.ws)() as s:
        reads = [
            (e.detail, json.loads(e.subjects))
            for e in s.scalars(select(AuditEvent).where(AuditEvent.outcome == "allowed"))
        ]
    assert [set(subjects) for _, subjects in reads] == [shown, {"PX-NICK"}]
    assert '"read": "queue"' in reads[0][0]


def _has(linked: LinkedWorkspace, case: str) -> bool:
    from integritas.linkage.candidates import get_candidate

    try:
        get_candidate(linked.ws, linked.cid(case))
    except LookupError:
        return False
    return True


@pytest.mark.slow
def test_cli_link_run_names_bad_input(linked: LinkedWorkspace) -> None:
    from typer.testing import CliRunner

    from integritas.cli import app

    runner = CliRunner()
    home = ["--home", str(linked.ws.home)]
    out = runner.invoke(app, [*home, "link", "run", "--registry", "no_such_registry"])
    assert out.exit_code == 2 and "no declared source named 'no_such_registry'" in out.output
    out = runner.invoke(app, [*home, "link", "run", "--registry", linked.registry,
                              "--threshold", "1.5"])  # fmt: skip
    assert out.exit_code == 2 and "threshold 1.5" in out.output
    assert "Traceback" not in out.output
