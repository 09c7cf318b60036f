"""Docs are tested: generated pages must be current and cover every command and source."""

from __future__ import annotations

from pathlib import Path

import pytest

from integritas.catalog import catalog
from integritas.cli import app
from integritas.reference.cli_docs import command_paths
from integritas.reference.commands import generated_pages

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("page", sorted(generated_pages()))
def test_generated_page_is_current(page: str) -> None:
    path = DOCS / page
    assert path.exists(), f"docs/{page} missing: run `integritas docs generate`"
    assert path.read_text(encoding="utf-8") == generated_pages()[page], (
        f"docs/{page} is stale: run `integritas docs generate`"
    )


def test_cli_reference_names_every_command() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    paths = command_paths(app)
    assert "integritas catalog" in paths
    for path in paths:
        assert f"## `{path}`" in text, path


def test_every_command_has_help() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert "(no description)" not in text


def test_source_register_covers_every_source() -> None:
    text = (DOCS / "sources.md").read_text(encoding="utf-8")
    for name in catalog():
        assert f"## {name}\n" in text
