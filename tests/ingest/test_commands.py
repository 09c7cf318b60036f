"""`integritas ingest` and `integritas batches`: exit codes, summaries, manifests listed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from integritas.cli import app
from integritas.ingest.layout import manifests
from integritas.settings import Workspace

runner = CliRunner()


def _cli(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args], terminal_width=250)
    return result.exit_code, result.output


def test_ingest_then_batches_lists_manifests(tmp_path: Path, badge_csv, kit) -> None:
    home = tmp_path / "home"
    code, out = _cli(home, "ingest", str(badge_csv()))
    assert code == 0, out
    code, out = _cli(
        home,
        "ingest",
        str(badge_csv(kit.rows(4, start=10), name="more.csv")),
        "--source",
        "badge_access",
    )
    assert code == 0, out
    ms = manifests(Workspace.from_settings(home))
    assert len(ms) == 2
    code, out = _cli(home, "batches")
    assert code == 0, out
    for m in ms:
        assert m["batch_id"] in out
    assert "badge_access.csv" in out and "more.csv" in out
    code, out = _cli(home, "batches", "--source", "hr_master")
    assert code == 0 and not any(m["batch_id"] in out for m in ms)


def test_ingest_again_says_no_op(tmp_path: Path, badge_csv) -> None:
    home = tmp_path / "home"
    path = str(badge_csv())
    assert _cli(home, "ingest", path)[0] == 0
    code, out = _cli(home, "ingest", path)
    assert code == 0 and "already ingested" in out


def test_bad_rows_over_tolerance_exit_non_zero_without_traceback(
    tmp_path: Path, badge_csv, kit
) -> None:
    home = tmp_path / "home"
    rows = kit.rows(4)
    rows[1][4] = "not a time"
    rows[2][5] = "sideways"
    code, out = _cli(home, "ingest", str(badge_csv(rows)))
    assert code == 1, out
    assert "Traceback" not in out
    assert "event_time" in out and "direction" in out
    assert manifests(Workspace.from_settings(home)) == []


def test_unreadable_file_exits_2(tmp_path: Path, exports: Path) -> None:
    bad = exports / "badge_access.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    code, out = _cli(tmp_path / "home", "ingest", str(bad))
    assert code == 2 and "Traceback" not in out and "badge_access.parquet" in out
