"""`integritas metrics run|list|show|minimisation`: thin wrappers over the metrics services."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

metrics_app = typer.Typer(help="The metric register: run, list, explain.", no_args_is_help=True)


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: {flag} {value!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@metrics_app.command("run")
def run_command(
    engine: Annotated[str, typer.Option(help="duckdb or spark.")] = "duckdb",
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this metric (repeatable).")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every period.")] = False,
) -> None:
    """Compute metric values (incremental: only periods touched by new batches)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress

    from integritas.cli import State
    from integritas.engine.backends import EngineError
    from integritas.metrics.runner import MetricRunError, run_metrics

    if engine not in ("duckdb", "spark"):
        typer.echo(f"error: --engine {engine!r}: choose duckdb or spark", err=True)
        raise typer.Exit(2)
    start, end = _date(from_, "--from"), _date(to, "--to")
    console = Console(highlight=False)
    ws = State.workspace()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("metrics", total=None)

        def tick(name: str, i: int, n: int) -> None:
            bar.update(task, total=n, completed=i - 1, description=name)

        try:
            report = run_metrics(
                ws,
                engine=engine,  # type: ignore[arg-type]
                start=start,
                end=end,
                only=only,
                full=full,
                progress=tick,
            )
        except (MetricRunError, EngineError) as exc:
            console.print(f"[red]error: {escape(str(exc))}[/red]")
            raise typer.Exit(2) from None
    for line in report.summary():
        console.print(escape(line))
    if report.failed:
        raise typer.Exit(1)


@metrics_app.command("list")
def list_command() -> None:
    """List the registered metrics with tier, subject, period and purpose."""
    from rich.console import Console
    from rich.table import Table

    from integritas.metrics.registry import load_metrics

    table = Table("metric", "v", "tier", "subject", "period", "purpose", "family")
    ms = load_metrics()
    for m in ms:
        s = m.spec
        table.add_row(
            s.name,
            str(s.version),
            s.tier.value,
            s.subject.value,
            s.period,
            s.purpose.value,
            s.family,
        )
    console = Console()
    console.print(table)
    console.print(f"{len(ms)} metrics")


@metrics_app.command("show")
def show_command(name: Annotated[str, typer.Argument(help="Metric name.")]) -> None:
    """Show one metric's metadata, definition and explanation template."""
    from integritas.metrics.registry import METRICS, load_metrics

    load_metrics()
    if name not in METRICS:
        typer.echo(f"error: no metric named {name!r} (see `integritas metrics list`)", err=True)
        raise typer.Exit(2)
    m = METRICS[name]
    for key, value in m.spec.model_dump(mode="json").items():
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key}: {shown}")
    typer.echo(f"evidence: {'declared' if m.evidence is not None else 'none'}")


@metrics_app.command("minimisation")
def minimisation_command() -> None:
    """Per curated field, the metrics that read it; then the ingested fields no metric uses."""
    from integritas.metrics.minimisation import minimisation_report

    report = minimisation_report()
    typer.echo("Fields read by metrics:")
    for u in report.used:
        typer.echo(f"  {u.source}.{u.field}: {', '.join(u.metrics)}")
    typer.echo(f"Fields no metric uses ({len(report.unused)}):")
    for u in report.unused:
        typer.echo(f"  {u.source}.{u.field}")


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
