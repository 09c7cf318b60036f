"""`integritas synth` on the command line."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from integritas.cli import app

runner = CliRunner()


def test_synth_writes_a_force(tmp_path: Path) -> None:
    out = tmp_path / "force"
    result = runner.invoke(
        app,
        [
            "synth",
            "--staff",
            "60",
            "--days",
            "14",
            "--seed",
            "3",
            "--out",
            str(out),
            "--start",
            "2025-03-03",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "duty_roster.csv" in result.output
    assert (out / "ground_truth.csv").exists() and (
        out / "mappings" / "overtime_claims.yaml"
    ).exists()
    first_shift = (out / "duty_roster.csv").read_text().splitlines()[1]
    assert "2025-03-03" in first_shift


def test_bad_options_are_listed_without_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--staff", "3", "--days", "2", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "staff" in result.output and "days" in result.output
    assert "Traceback" not in result.output


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=12))
def test_any_start_text_is_accepted_or_refused_cleanly(text: str) -> None:
    result = runner.invoke(
        app, ["synth", "--staff", "2", "--out", "/nonexistent/x", "--start", text]
    )
    assert result.exit_code == 2  # staff=2 is always refused, after --start is checked
    assert "Traceback" not in result.output
