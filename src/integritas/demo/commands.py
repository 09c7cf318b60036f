"""`integritas demo`: run the pipeline on a synthetic force, print logins, serve the web."""

from __future__ import annotations

from typing import Annotated

import typer


def demo_command(
    staff: Annotated[int, typer.Option(help="Synthetic staff.")] = 2000,
    days: Annotated[int, typer.Option(help="Days of synthetic activity.")] = 180,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic force.")] = 1,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web observatory afterwards.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Synthetic force -> ingest -> metrics -> linkage -> flags -> cases, then the observatory."""
    from integritas.cli import State
    from integritas.demo.pipeline import DemoConfig, StageResult, built, run_pipeline

    ws = State.workspace()
    typer.echo(f"Integritas demo in {ws.home} (synthetic data only)")

    def show(r: StageResult) -> None:
        if r.skipped:
            typer.echo(f"  - {r.name}: {r.summary}")
        else:
            typer.echo(f"  - {r.name} ({r.seconds:.1f} s): {r.summary}")

    try:
        run_pipeline(ws, DemoConfig(staff=staff, days=days, seed=seed), progress=show)
    except Exception as exc:  # a stage failed: say which and why, no traceback
        typer.echo(f"demo stopped: {exc}", err=True)
        raise typer.Exit(1) from None
    if not built("integritas.access.users"):
        return
    from integritas.demo.logins import ensure_logins

    logins = ensure_logins(ws)
    scheme_host = f"http://{host}:{port}"
    typer.echo("\nLogins (one per role; passwords are kept in demo-logins.json, mode 0600):")
    for login in logins:
        typer.echo(f"  {login.username:<28} {login.password:<18} {login.purpose}")
    if not serve:
        return
    if not built("integritas.web.app"):
        typer.echo(
            "\nThe web observatory is not built yet; the pipeline results are in the workspace."
        )
        return
    from integritas.web.commands import serve_workspace

    typer.echo(f"\nServing the observatory at {scheme_host}/ (Ctrl-C to stop)")
    serve_workspace(ws, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
