"""`integritas audit verify|checkpoint|export|verify-export` on a workspace store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from integritas.audit.service import append
from integritas.cli import app
from integritas.settings import Workspace
from integritas.store.session import workspace_engine, workspace_sessions


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("INTEGRITAS_DATABASE_URL", raising=False)
    h = tmp_path / "h"
    assert CliRunner().invoke(app, ["--home", str(h), "db", "upgrade"]).exit_code == 0
    ws = Workspace.from_settings(h)
    with workspace_sessions(ws).begin() as s:
        for i in range(6):
            append(s, actor=f"u{i}", role="analyst", action="flag.list", subjects=[f"P{i}"])
    return h


def run(home: Path, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--home", str(home), *args])
    return res.exit_code, res.output


def test_verify_passes_then_names_the_altered_event(home: Path) -> None:
    assert run(home, "audit", "checkpoint")[1].startswith("checkpoint at seq 7")
    code, out = run(home, "audit", "verify")
    assert code == 0 and "7 events, 1 checkpoints" in out and "chain valid" in out
    assert (home / "keys" / "audit.key").exists()  # the key lives outside the database
    engine = workspace_engine(Workspace.from_settings(home))
    with engine.begin() as con:
        con.execute(text("DROP TRIGGER audit_events_no_update"))
        con.execute(text("UPDATE audit_events SET subjects='[]' WHERE seq=3"))
    code, out = run(home, "audit", "verify")
    assert code == 1 and "FIRST PROBLEM: event seq 3 altered" in out


def test_verify_with_the_wrong_key_fails(home: Path) -> None:
    run(home, "audit", "checkpoint")
    (home / "keys" / "audit.key").write_text("ab" * 32)
    code, out = run(home, "audit", "verify")
    assert code == 1 and "bad_checkpoint" in out


def test_export_range_writes_a_self_verifying_file(home: Path, tmp_path: Path) -> None:
    run(home, "audit", "checkpoint")
    out_file = tmp_path / "export.json"
    code, out = run(home, "audit", "export", "--from", "2000-01-01", "--to", "2999-01-01",
                    "--out", str(out_file))  # fmt: skip
    assert code == 0 and "wrote 7 events" in out
    data = json.loads(out_file.read_text())
    assert data["first_seq"] == 1 and data["last_seq"] == 7 and len(data["checkpoints"]) == 1
    code, out = run(home, "audit", "verify-export", str(out_file),
                    "--key", str(home / "keys" / "audit.key"))  # fmt: skip
    assert code == 0 and "chain valid" in out
    # the export itself is an audited event
    code, out = run(home, "audit", "verify")
    assert code == 0 and "8 events" in out
    data["events"][2]["actor"] = "mallory"
    out_file.write_text(json.dumps(data))
    code, out = run(home, "audit", "verify-export", str(out_file))
    assert code == 1 and "event seq 3 altered" in out
    empty = tmp_path / "none.json"
    code, out = run(home, "audit", "export", "--from", "2999-01-01", "--out", str(empty))
    assert code == 0 and "wrote 0 events" in out
    assert run(home, "audit", "verify-export", str(empty))[0] == 0
    code, out = run(home, "audit", "export", "--from", "last week", "--out", str(empty))
    assert code == 2 and "--from 'last week' is not an ISO date" in out
    (tmp_path / "junk.json").write_text("nope")
    code, out = run(home, "audit", "verify-export", str(tmp_path / "junk.json"))
    assert code == 2 and "junk.json" in out


def test_workspace_sessions_sign_checkpoints_periodically(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import integritas.audit.service as service
    from integritas.audit.keys import load_or_create_key
    from integritas.audit.verify import verify

    monkeypatch.setattr(service, "CHECKPOINT_EVERY", 5)
    ws = Workspace.from_settings(home)
    sessions = workspace_sessions(ws)
    with sessions.begin() as s:  # 6 events already there: the 10th and 15th are signed
        for i in range(10):
            append(s, actor=f"v{i}", role="analyst", action="flag.list")
    with sessions() as s:
        report = verify(s, key=load_or_create_key(ws))
        seqs = list(s.execute(text("SELECT seq FROM audit_checkpoints ORDER BY seq")).scalars())
    assert report.ok and seqs == [10, 15]
    with sessions() as s:
        assert not verify(s, key=b"x" * 32).ok  # signed with the workspace key, not another
