"""`integritas detect run` and `integritas evaluate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from integritas.detect.models import Rule
    from integritas.settings import Workspace

detect_app = typer.Typer(help="Turn metric values into explained flags.", no_args_is_help=True)


@detect_app.command("run")
def run_command() -> None:
    """Evaluate every declared rule and the anomaly scorer; write flags to the warehouse."""
    from integritas.cli import State
    from integritas.detect.service import run_detection

    ws = State.workspace()
    activated = _gate(ws)
    try:
        report = run_detection(
            ws, progress=lambda name: typer.echo(f"  rule {name}"), activated=activated
        )
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    live = len(report.live())
    typer.echo(
        f"{len(report.flags)} flags ({live} live, {len(report.flags) - live} shadow); "
        f"{len(report.suppressed)} hits explained away by context"
    )
    if report.held_in_shadow:
        typer.echo(
            f"{len(report.held_in_shadow)} rules declared live are held in shadow until they pass "
            f"the activation gate (`integritas activate rule NAME`): "
            + ", ".join(report.held_in_shadow)
        )


def _gate(ws: Workspace) -> Callable[[Rule], bool]:
    """The activation gate from the operational store. With no store, nothing has passed it."""
    from integritas.store.migrate import StoreNotMigrated
    from integritas.store.session import workspace_sessions
    from integritas.transparency.gate import rule_gate

    try:
        sessions = workspace_sessions(ws)
        with sessions() as session:
            return rule_gate(session)
    except StoreNotMigrated:
        typer.echo(
            "no operational store yet (`integritas db upgrade`): no rule has passed the "
            "activation gate, so every flag is recorded in shadow",
            err=True,
        )
        return lambda rule: False


def evaluate_command(
    truth: Annotated[Path, typer.Option(help="ground_truth.csv from `integritas synth`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    k: Annotated[int, typer.Option(help="k for secondary precision at k.")] = 50,
) -> None:
    """Score flags against ground truth, next to a fixed-count and a unit z-score baseline."""
    from integritas.cli import State
    from integritas.detect.evaluation import TruthFileError, render_table
    from integritas.detect.scoring import evaluate_workspace

    ws = State.workspace()
    try:
        scores = evaluate_workspace(ws, truth, k=k)
    except (FileNotFoundError, TruthFileError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([vars(s) for s in scores], indent=2, default=str))
    else:
        typer.echo(render_table(scores))


def register(app: typer.Typer) -> None:
    app.add_typer(detect_app, name="detect")
    app.command("evaluate")(evaluate_command)
