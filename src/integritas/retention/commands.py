"""`integritas retention apply [--dry-run]` and `integritas retention policies`."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    retention = typer.Typer(help="Retention schedules and disposal.", no_args_is_help=True)

    @retention.command("policies")
    def policies_command() -> None:
        """List the retention period of every source and of flags, cases and audit events."""
        from integritas.retention.policies import other_policies, source_policies

        for p in source_policies():
            clock = "batch date" if p.clock == "_committed_at" else p.clock
            typer.echo(f"{p.source:<28} {p.retention_days:>5} days by {clock} ({p.why})")
        for o in other_policies():
            typer.echo(f"{o.name:<28} {o.what}: {o.days}; {o.disposal}")

    @retention.command("apply")
    def apply_command(
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the plan; delete nothing.")
        ] = False,
        actor: Annotated[str, typer.Option(help="Name recorded on the certificate.")] = "cli",
    ) -> None:
        """Delete expired rows and everything derived from them; write a disposal certificate."""
        from integritas.cli import State
        from integritas.retention.service import apply
        from integritas.store.cli_session import cli_transaction

        ws = State.workspace()
        with cli_transaction() as session:
            cert = apply(ws, session=session, actor=actor, role="dpo", dry_run=dry_run)
        for line in cert.lines():
            typer.echo(line)

    app.add_typer(retention, name="retention")
