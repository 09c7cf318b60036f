from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from integritas.store.migrate import StoreNotMigrated, require_current, status
from integritas.store.session import make_engine
from integritas.store.testing import temporary_store


def test_unmigrated_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(StoreNotMigrated, match="integritas db upgrade"):
        require_current(engine)
    st = status(engine)
    assert st.current is None and st.pending[0] == "0001_access_audit"
    assert st.pending[-1] == st.head and len(set(st.pending)) == len(st.pending)


def test_partly_migrated_database_names_both_revisions(tmp_path: Path) -> None:
    from integritas.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine, "0001_access_audit")
    with pytest.raises(StoreNotMigrated) as err:
        require_current(engine)
    assert "at 0001_access_audit" in str(err.value) and status(engine).head in str(err.value)


def test_linkage_review_table_is_migrated(engine: Engine) -> None:
    from sqlalchemy import inspect

    cols = {c["name"] for c in inspect(engine).get_columns("linkage_review_decisions")}
    assert {"candidate_id", "registry", "decision", "reason", "reviewer", "decided_at"} <= cols


def test_migrated_database_is_current(engine: Engine) -> None:
    st = status(engine)
    assert st.up_to_date and st.current == st.head
    require_current(engine)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert con.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_foreign_keys_enforced(engine: Engine) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign"), engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO login_sessions (token_hash, user_id, created_at, last_seen, "
                "expires_at) VALUES ('x', 999, '2026-01-01', '2026-01-01', '2026-01-02')"
            )
        )


def test_cli_refuses_unmigrated_then_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from integritas.cli import app

    monkeypatch.delenv("INTEGRITAS_DATABASE_URL", raising=False)
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    refused = runner.invoke(app, [*home, "users", "list"])
    assert refused.exit_code == 2 and "integritas db upgrade" in refused.output
    assert runner.invoke(app, [*home, "db", "status"]).exit_code == 1
    assert runner.invoke(app, [*home, "db", "upgrade"]).exit_code == 0
    ok = runner.invoke(app, [*home, "db", "status"])
    assert ok.exit_code == 0 and "up to date" in ok.output


@pytest.mark.postgres
def test_postgres_schema_isolation(tmp_path: Path) -> None:
    from integritas.store.testing import postgres_unavailable

    if reason := postgres_unavailable():
        pytest.skip(reason)
    with temporary_store("postgres", tmp_path) as eng, eng.connect() as con:
        assert con.execute(text("SELECT seq FROM audit_head")).scalar() == 0
