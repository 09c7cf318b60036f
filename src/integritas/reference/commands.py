"""`integritas docs generate|check`: regenerate or check the generated reference pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

docs_app = typer.Typer(help="Generated reference documentation.", no_args_is_help=True)

DOCS_DIR = Path("docs")


def generated_pages() -> dict[str, str]:
    """File name under docs/ -> current rendering."""
    from integritas.catalog.docs import render_sources
    from integritas.cli import app
    from integritas.reference.cli_docs import render_cli

    pages = {"cli.md": render_cli(app), "sources.md": render_sources()}
    try:
        from integritas.metrics.docs import render_metrics
    except ImportError:
        pass
    else:
        pages["metrics.md"] = render_metrics()
    try:
        from integritas.detect.docs import render_rules
    except ImportError:
        pass
    else:
        pages["rules.md"] = render_rules()
    return pages


@docs_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option(help="Docs folder.")] = DOCS_DIR,
) -> None:
    """Write every generated reference page (CLI, sources, metrics, rules)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in generated_pages().items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out / name}")


@docs_app.command("check")
def check(
    out: Annotated[Path, typer.Option(help="Docs folder.")] = DOCS_DIR,
) -> None:
    """Exit non-zero when a generated page is missing or stale."""
    stale = [
        name
        for name, text in generated_pages().items()
        if not (out / name).exists() or (out / name).read_text(encoding="utf-8") != text
    ]
    if stale:
        typer.echo(f"stale: {', '.join(stale)}; run `integritas docs generate`", err=True)
        raise typer.Exit(1)
    typer.echo("generated docs are up to date")


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
