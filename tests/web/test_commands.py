from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from integritas.cli import app


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "h"), "serve", "--plain-http"])
    assert result.exit_code == 2
    assert "integritas db upgrade" in result.output


def test_plain_http_only_on_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path / "h"), "serve", "--host", "0.0.0.0", "--plain-http"]
    )
    assert result.exit_code == 2
    assert "only on loopback" in result.output


def test_serve_is_documented_in_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--plain-http" in result.output


def test_daily_job_timing_and_failures_do_not_stop_it() -> None:
    from datetime import UTC, datetime, time

    import pytest

    from integritas.web.scheduler import DailyJob, parse_hhmm, seconds_until

    assert parse_hhmm("02:30") == time(2, 30)
    with pytest.raises(ValueError, match="not HH:MM"):
        parse_hhmm("25:00")
    now = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
    assert seconds_until(time(2, 30), now) == 23.5 * 3600  # passed today: tomorrow
    assert seconds_until(time(4, 0), now) == 3600
    calls: list[int] = []

    def boom() -> None:
        calls.append(1)
        raise RuntimeError("disk full")

    job = DailyJob("test", time(0, 0), boom)
    job.run_once()
    job.run_once()
    assert job.runs == 2 and len(calls) == 2


def test_bad_retention_time_is_refused(tmp_path: Path) -> None:
    from integritas.settings import Workspace
    from integritas.store.migrate import upgrade
    from integritas.store.session import workspace_engine

    ws = Workspace.from_settings(tmp_path / "h")
    upgrade(workspace_engine(ws, check=False))
    result = CliRunner().invoke(
        app, ["--home", str(ws.home), "serve", "--plain-http", "--retention-at", "9am"]
    )
    assert result.exit_code == 2
    assert "not HH:MM" in result.output
