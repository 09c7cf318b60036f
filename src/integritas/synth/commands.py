"""`integritas synth`: write a synthetic force with ground truth."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def synth_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the exports into.")],
    staff: Annotated[int, typer.Option("--staff", help="Staff on the books.")] = 2000,
    days: Annotated[int, typer.Option("--days", help="Days of activity.")] = 180,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 1,
    start: Annotated[
        str | None, typer.Option("--start", help="First day, YYYY-MM-DD (default 2025-01-06).")
    ] = None,
) -> None:
    """Generate a synthetic force: every declared source, mappings, geofences and ground truth."""
    from pydantic import ValidationError

    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate

    try:
        first = datetime.strptime(start, "%Y-%m-%d").date() if start else date(2025, 1, 6)
        cfg = SynthConfig(staff=staff, days=days, seed=seed, start=first)
    except ValueError as exc:
        problems = (
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            if isinstance(exc, ValidationError)
            else [f"--start: {exc}"]
        )
        typer.echo("invalid options:\n" + "\n".join(f"  - {p}" for p in problems), err=True)
        raise typer.Exit(2) from None
    report = generate(cfg, out)
    for name, rows in report.rows.items():
        typer.echo(f"{name:36s} {rows:>12,d}")
    typer.echo(
        f"{report.staff:,d} staff x {report.days} days, seed {report.seed}: "
        f"{sum(report.rows.values()):,d} rows in {report.seconds['total']:.1f} s -> {report.out}"
    )
    typer.echo(
        f"ground truth: {report.ground_truth_rows} rows; linkage truth: {report.linkage_truth_rows} rows"
    )


def register(app: typer.Typer) -> None:
    app.command("synth")(synth_command)
