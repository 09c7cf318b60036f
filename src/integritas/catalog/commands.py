"""`integritas catalog`: list declared sources and whether each may be ingested."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from integritas.catalog.registry import catalog


def catalog_command(
    name: Annotated[str | None, typer.Argument(help="Show one source in full.")] = None,
) -> None:
    """List declared sources, their purposes, retention and status (active / inactive)."""
    console = Console()
    cat = catalog()
    if name:
        try:
            src = cat[name]
        except KeyError as exc:
            console.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(2) from None
        console.print(f"[bold]{src.name}[/bold] — {src.title} ({src.system})")
        console.print(src.description)
        console.print(
            f"grain: {src.grain}; retention: {src.retention_days} days; owner: {src.owner}"
        )
        console.print(f"purposes: {', '.join(src.purposes)}")
        status = "active" if src.active else "INACTIVE: " + "; ".join(src.inactive_reasons())
        console.print(f"status: {status}")
        table = Table("field", "type", "category", "handling", "stored as")
        for f in src.fields:
            table.add_row(f.name, f.type, f.category, f.handling, f.curated_name or "(not stored)")
        console.print(table)
        return
    table = Table(
        Column("source", no_wrap=True), "kind", "system", "purposes", "retention", "status"
    )
    for src in cat.values():
        status = "active" if src.active else "inactive"
        table.add_row(
            src.name,
            src.kind,
            src.system,
            ", ".join(src.purposes),
            f"{src.retention_days} d",
            status,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("catalog")(catalog_command)
