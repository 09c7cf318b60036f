"""`integritas users add|disable|list` and `integritas grants list|revoke` end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integritas.cli import app


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("INTEGRITAS_DATABASE_URL", raising=False)
    h = ["--home", str(tmp_path / "h")]
    assert CliRunner().invoke(app, [*h, "db", "upgrade"]).exit_code == 0
    return h


def run(home: list[str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(app, [*home, *args], input=stdin)
    return res.exit_code, res.output


def test_users_add_list_disable(home: list[str]) -> None:
    code, out = run(home, "users", "add", "ann", "--role", "analyst", "--password-stdin",
                    stdin="a long password here\n")  # fmt: skip
    assert code == 0 and "added ann (analyst)" in out
    code, out = run(home, "users", "add", "sso", "--role", "dpo", "--oidc-subject", "sub-9")
    assert code == 0, out
    code, out = run(home, "users", "add", "bad", "--role", "wizard", "--password-stdin",
                    stdin="short\n")  # fmt: skip
    assert code == 2 and "unknown role 'wizard'" in out and "shorter than 12" in out
    code, out = run(home, "users", "list")
    assert code == 0
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["ann", "analyst"],
        ["sso", "dpo"],
    ]
    assert run(home, "users", "disable", "ann")[0] == 0
    code, out = run(home, "users", "list")
    assert "ann\tanalyst\t-\tdisabled" in out and "sso\tdpo\t-\tactive" in out
    code, out = run(home, "users", "disable", "nobody")
    assert code == 2 and "no user 'nobody'" in out


def test_grants_list_and_revoke(home: list[str]) -> None:
    from integritas.access.grants import issue_grant
    from integritas.access.users import add_user
    from integritas.settings import Workspace
    from integritas.store.session import workspace_sessions

    ws = Workspace.from_settings(Path(home[1]))
    with workspace_sessions(ws).begin() as s:
        aa = add_user(s, username="aa", role="appropriate_authority", password="a long password")
        inv = add_user(s, username="inv", role="investigator", password="a long password")
        g = issue_grant(s, by=aa, grantee=inv, person_id="P-1", purpose="misconduct",
                        case_ref="C-1", justification="case work")  # fmt: skip
        gid = g.id
    code, out = run(home, "grants", "list", "--live")
    assert code == 0 and out.startswith(f"{gid}\tinv\tP-1\tmisconduct\tC-1") and "live" in out
    code, out = run(home, "grants", "revoke", str(gid))
    assert code == 0 and f"revoked grant {gid}" in out
    assert run(home, "grants", "list", "--live")[1] == ""
    code, out = run(home, "grants", "list")
    assert out.rstrip().endswith("revoked")
    code, out = run(home, "grants", "revoke", str(gid))
    assert code == 2 and "already revoked" in out
