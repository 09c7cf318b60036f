"""`integritas ingest` and `integritas batches`: thin wrappers over ingest.service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from integritas.ingest.models import IngestReport


def _print_report(report: IngestReport) -> None:
    from rich.console import Console
    from rich.markup import escape

    from integritas.ingest.models import BatchStatus

    console = Console(highlight=False)
    for r in report.results:
        head = f"{escape(r.file)} -> {r.source or '?'}"
        if r.status is BatchStatus.NO_OP:
            console.print(f"[yellow]{head}: {escape(r.message)} (nothing to do)[/yellow]")
            continue
        if r.status is BatchStatus.SKIPPED:
            console.print(f"[dim]{escape(r.file)}: skipped: {escape(r.message)}[/dim]")
            continue
        if r.status is BatchStatus.FAILED:
            console.print(f"[red]{head}: cannot ingest[/red]")
            for p in r.problems:
                console.print(f"  - {escape(p)}")
            continue
        colour = "green" if r.status is BatchStatus.COMMITTED else "red"
        console.print(
            f"[{colour}]{head}: {r.status} batch {r.batch_id}[/{colour}] read {r.rows_read}, "
            f"loaded {r.rows_loaded}, quarantined {r.rows_quarantined}, "
            f"dropped off-duty {r.rows_dropped_off_duty}"
        )
        if r.columns_dropped:
            console.print(
                f"  columns dropped (not declared): {escape(', '.join(r.columns_dropped))}"
            )
        if r.rows_superseding:
            console.print(
                f"  {r.rows_superseding} rows carry a key an earlier batch holds: "
                "each replaces the earlier row in every metric (the latest batch wins)"
            )
        if r.message:
            console.print(f"  {escape(r.message)}")
        if r.rows_quarantined:
            console.print(f"  quarantine report: {r.quarantine_file}")
            for q in r.quarantine_sample:
                console.print(
                    f"    {escape(q.file)} row {q.row}, column {escape(q.column)}: {escape(q.reason)}"
                )
            for column, reason, n in r.quarantine_counts:
                console.print(f"    {n} x {escape(column)}: {escape(reason)}")


def ingest_command(
    path: Annotated[
        Path | None, typer.Argument(help="An export file or a folder of exports.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Declared source the export feeds.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="Column mapping YAML.")] = None,
    geofences: Annotated[Path | None, typer.Option(help="Geofences YAML to store and use.")] = None,
    sql_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL to read from.")] = None,
    query: Annotated[str | None, typer.Option(help="SQL query (with --sql-url).")] = None,
) -> None:
    """Ingest exports as atomic, validated, pseudonymised batches."""
    from integritas.cli import State
    from integritas.ingest import service

    ws = State.workspace()
    if sql_url or query:
        if not (sql_url and query and source) or path is not None:
            typer.echo("--sql-url needs --query and --source, and no PATH", err=True)
            raise typer.Exit(2)
        report = service.ingest_sql(ws, sql_url, query, source=source, mapping=mapping)
    elif path is None:
        typer.echo("give PATH (a file or folder) or --sql-url with --query", err=True)
        raise typer.Exit(2)
    else:
        report = service.ingest_path(ws, path, source=source, mapping=mapping, geofences=geofences)
    _print_report(report)
    raise typer.Exit(report.exit_code)


def batches_command(
    source: Annotated[str | None, typer.Option(help="Only batches of this source.")] = None,
) -> None:
    """List committed batches (manifests)."""
    from rich.console import Console
    from rich.table import Table

    from integritas.cli import State
    from integritas.ingest.service import list_batches

    # Batch ids are what users copy into other commands: never cut; other cells wrap.
    table = Table()
    table.add_column("batch", no_wrap=True, min_width=26)
    for name in ("source", "file", "read", "loaded", "quarantined", "off-duty", "committed"):
        table.add_column(name, overflow="fold")
    table.add_column("operator", overflow="fold")
    console = Console()
    if not console.is_terminal:  # piped or captured: no terminal width to fit, keep rows whole
        console = Console(width=240)
    for b in list_batches(State.workspace(), source):
        table.add_row(
            b.batch_id,
            b.source,
            b.file,
            str(b.rows_read),
            str(b.rows_loaded),
            str(b.rows_quarantined),
            str(b.rows_dropped_off_duty),
            b.committed_at,
            b.operator,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("batches")(batches_command)
