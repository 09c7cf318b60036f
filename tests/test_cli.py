from __future__ import annotations

from typer.testing import CliRunner

from integritas.catalog import catalog
from integritas.cli import app

runner = CliRunner()


def test_catalog_lists_every_source(tmp_path) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path), "catalog"], terminal_width=250)
    assert result.exit_code == 0
    for name in catalog():
        assert name in result.output


def test_catalog_unknown_source_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path), "catalog", "payroll"])
    assert result.exit_code == 2
    assert "no source named 'payroll'" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "integritas 0.1.0" in result.output
