"""`integritas fairness report [--record]` and `integritas fairness justify`."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    fairness = typer.Typer(help="Disparity audit of rules (aggregate only).", no_args_is_help=True)

    @fairness.command("report")
    def report_command(
        record: Annotated[
            bool, typer.Option("--record", help="Store each rule's check for the live gate.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        actor: Annotated[str, typer.Option(help="Who ran it.")] = "cli",
    ) -> None:
        """Flag rates by group per rule and tier; adverse impact ratio with Fisher's exact test."""
        from integritas.cli import State
        from integritas.fairness.service import fairness_report, render
        from integritas.fairness.service import record as record_checks
        from integritas.store.cli_session import cli_transaction

        ws = State.workspace()
        try:
            with cli_transaction() as session:
                reports = fairness_report(ws, session=session)
                if record:
                    record_checks(session, reports, actor=actor, role="dpo")
        except FileNotFoundError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {
                            "rule": r.rule,
                            "version": r.rule_version,
                            "tier": r.tier,
                            "passed": r.passed,
                            "population": r.population,
                            "flagged": r.flagged,
                            "findings": r.findings(),
                            "groups": [vars(g) for d in r.dimensions for g in d.groups],
                        }
                        for r in reports
                    ],
                    indent=2,
                    default=str,
                )
            )
        else:
            typer.echo(render(reports))
        if any(not r.passed for r in reports):
            raise typer.Exit(1)

    @fairness.command("justify")
    def justify_command(
        rule: Annotated[str, typer.Argument(help="Rule name.")],
        version: Annotated[int, typer.Option(help="Rule version.")],
        dimension: Annotated[str, typer.Option(help="e.g. sex, ethnicity, working_pattern.")],
        group: Annotated[str, typer.Option(help="The group with the adverse impact.")],
        justification: Annotated[str, typer.Option(help="The documented justification.")],
        actor: Annotated[str, typer.Option(help="Who records it.")] = "cli",
    ) -> None:
        """Record a documented justification for an adverse impact of one rule version."""
        from integritas.fairness.service import justify
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                justify(
                    session,
                    rule=rule,
                    rule_version=version,
                    dimension=dimension,
                    group=group,
                    text_=justification,
                    actor=actor,
                )
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"justification recorded for {rule} v{version} {dimension}={group}")

    app.add_typer(fairness, name="fairness")
