"""`integritas db upgrade|status`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    db = typer.Typer(
        help="The operational database: migrate and show its state.", no_args_is_help=True
    )

    @db.command("upgrade")
    def upgrade_command() -> None:
        """Apply every pending migration."""
        from integritas.cli import State
        from integritas.store.migrate import upgrade
        from integritas.store.session import workspace_engine

        st = upgrade(workspace_engine(State.workspace(), check=False))
        typer.echo(f"{st.url}: at {st.current} (head {st.head})")

    @db.command("status")
    def status_command() -> None:
        """Show the current and latest migration; exit 1 when migrations are pending."""
        from integritas.cli import State
        from integritas.store.migrate import status
        from integritas.store.session import workspace_engine

        st = status(workspace_engine(State.workspace(), check=False))
        typer.echo(f"database: {st.url}\ncurrent: {st.current or '(none)'}\nhead: {st.head}")
        if st.pending:
            typer.echo(f"pending: {', '.join(st.pending)} (run `integritas db upgrade`)")
            raise typer.Exit(1)
        typer.echo("up to date")

    app.add_typer(db, name="db")
