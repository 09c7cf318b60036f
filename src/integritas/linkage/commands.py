"""`integritas link run|show|queue|decide|export`: thin wrappers over the linkage services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _operator() -> str:
    import os

    return "cli:" + os.environ.get("USER", "unknown")


link_app = typer.Typer(help="Match staff against external registries (Splink), with review.")


@link_app.command("run")
def run_command(
    registry: Annotated[str, typer.Option(help="Registry source name (kind: registry).")],
    threshold: Annotated[
        float, typer.Option(help="Match probability counted as a match / sent to review.")
    ] = 0.9,
    backend: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
) -> None:
    """Train on the staff vault x REGISTRY and write scored, explained candidates."""
    from integritas.cli import State
    from integritas.linkage.engine import run_linkage
    from integritas.linkage.inputs import LinkageInputError

    if backend not in ("duckdb", "spark"):
        typer.echo(f"backend {backend!r} must be duckdb or spark", err=True)
        raise typer.Exit(2)
    try:
        result = run_linkage(
            State.workspace(),
            registry,
            threshold=threshold,
            backend="spark" if backend == "spark" else "duckdb",
        )
    except LinkageInputError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"run {result.run_id}: {result.staff_rows} staff x {result.registry_rows} registry rows, "
        f"{result.candidates} candidates, {result.above_threshold} at or above "
        f"{result.threshold} ({result.seconds}s) -> {result.folder}"
    )


@link_app.command("show")
def show_command(
    candidate_id: Annotated[str, typer.Argument(help="Candidate id (LC-…).")],
    svg: Annotated[Path | None, typer.Option(help="Where to write the waterfall SVG.")] = None,
) -> None:
    """Print a candidate's explanation and write its waterfall chart (SVG)."""
    from integritas.cli import State
    from integritas.linkage.candidates import CandidateNotFound, get_candidate, write_svg
    from integritas.linkage.review import record_read
    from integritas.store.cli_session import cli_transaction

    try:
        cand = get_candidate(State.workspace(), candidate_id)
    except CandidateNotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with cli_transaction() as session:
        record_read(session, actor=_operator(), role="", candidates=[cand], what="candidate")
    typer.echo(
        f"{cand.candidate_id} ({cand.registry}, run {cand.run_id}): person {cand.person_id} "
        f"~ record {cand.record_id} [{cand.organisation_name}]"
    )
    typer.echo(f"match weight {cand.match_weight:+.2f}, probability {cand.match_probability:.4f}")
    for c in cand.contributions:
        typer.echo(f"  {c.field:<14} {c.weight:+7.2f}  {c.level}")
    typer.echo(cand.explanation)
    typer.echo(f"chart: {write_svg(cand, svg)}")


@link_app.command("queue")
def queue_command(
    threshold: Annotated[float, typer.Option(help="Review threshold.")] = 0.9,
) -> None:
    """List candidates awaiting clerical review."""
    from integritas.cli import State
    from integritas.linkage.review import record_read, review_queue
    from integritas.store.cli_session import cli_transaction

    ws = State.workspace()
    with cli_transaction() as session:
        queue = review_queue(ws, session=session, threshold=threshold)
        record_read(session, actor=_operator(), role="", candidates=queue, what="queue")
        for c in queue:
            typer.echo(
                f"{c.candidate_id}  {c.match_probability:.3f}  {c.registry}  {c.person_id}  "
                f"{c.organisation_name}"
            )


@link_app.command("decide")
def decide_command(
    candidate_id: Annotated[str, typer.Argument(help="Candidate id (LC-…).")],
    decision: Annotated[str, typer.Argument(help="accepted or rejected.")],
    reason: Annotated[str, typer.Option(help="Why (required).")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    role: Annotated[str, typer.Option(help="The reviewer's role.")] = "reviewer",
) -> None:
    """Accept or reject a candidate match, with a reason (stored and audited)."""
    from integritas.cli import State
    from integritas.linkage.review import ReviewError, decide
    from integritas.store.cli_session import cli_transaction

    ws = State.workspace()
    try:
        with cli_transaction() as session:
            row = decide(
                ws,
                session=session,
                candidate_id=candidate_id,
                decision=decision,
                reason=reason,
                actor=reviewer,
                role=role,
            )
            typer.echo(f"{row.candidate_id}: {row.decision} by {row.reviewer}")
    except ReviewError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None


@link_app.command("export")
def export_command() -> None:
    """Rewrite derived/linkage_accepted.parquet from the latest accepted review decisions."""
    import pyarrow.parquet as pq

    from integritas.cli import State
    from integritas.linkage.accepted import export_accepted
    from integritas.store.cli_session import cli_transaction

    ws = State.workspace()
    with cli_transaction() as session:
        path = export_accepted(ws, session)
    typer.echo(f"{pq.read_metadata(path).num_rows} accepted matches -> {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")
