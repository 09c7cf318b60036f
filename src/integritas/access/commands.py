"""`integritas users add|disable|list` and `integritas grants list|revoke`."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer


def _operator() -> str:
    return "cli:" + os.environ.get("USER", "unknown")


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="User accounts.", no_args_is_help=True)
    grants = typer.Typer(help="Purpose grants.", no_args_is_help=True)

    @users.command("add")
    def add_command(
        username: str,
        role: Annotated[str, typer.Option("--role", help="One of the declared roles.")],
        unit: Annotated[str | None, typer.Option("--unit", help="Unit (team) id.")] = None,
        person: Annotated[
            str | None, typer.Option("--person", help="The user's own pseudonym.")
        ] = None,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
        oidc_subject: Annotated[
            str | None,
            typer.Option("--oidc-subject", help="Link the account to an OIDC `sub` (no password)."),
        ] = None,
    ) -> None:
        """Create an account (password prompted or read from stdin, or OIDC-only)."""
        from integritas.access.users import AccessError, add_user
        from integritas.store.cli_session import cli_transaction

        password: str | None
        if oidc_subject and not password_stdin:
            password = None
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                typer.echo("passwords differ", err=True)
                raise typer.Exit(2)
        try:
            with cli_transaction() as session:
                add_user(
                    session,
                    username=username,
                    role=role,
                    password=password,
                    unit_id=unit,
                    person_id=person,
                    actor=_operator(),
                    oidc_subject=oidc_subject,
                )
        except AccessError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"added {username} ({role})")

    @users.command("disable")
    def disable_command(username: str) -> None:
        """Disable an account and revoke its sessions."""
        from integritas.access.users import AccessError, disable_user
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                disable_user(session, username=username, actor=_operator())
        except AccessError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"disabled {username}")

    @users.command("list")
    def list_command() -> None:
        """List accounts."""
        from integritas.access.users import list_users
        from integritas.store.cli_session import cli_transaction

        with cli_transaction() as session:
            for u in list_users(session):
                state = "active" if u.active else "disabled"
                state += ", locked" if u.locked else ""
                typer.echo(f"{u.username}\t{u.role}\t{u.unit_id or '-'}\t{state}")

    @grants.command("list")
    def grants_list_command(
        live: Annotated[bool, typer.Option("--live", help="Only live grants.")] = False,
    ) -> None:
        """List purpose grants."""
        from integritas.access.grants import list_grants
        from integritas.store.cli_session import cli_transaction

        with cli_transaction() as session:
            for g in list_grants(session, live_only=live):
                state = "live" if g.live else ("revoked" if g.revoked_at else "expired")
                typer.echo(
                    f"{g.id}\t{g.username}\t{g.person_id}\t{g.purpose}\t{g.case_ref}\t"
                    f"until {g.expires_at:%Y-%m-%d %H:%M}\t{state}"
                )

    @grants.command("revoke")
    def grants_revoke_command(grant_id: int) -> None:
        """Revoke a purpose grant."""
        from integritas.access.grants import revoke_grant
        from integritas.access.users import AccessError
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                revoke_grant(session, grant_id=grant_id, by=None, actor=_operator())
        except AccessError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"revoked grant {grant_id}")

    app.add_typer(users, name="users")
    app.add_typer(grants, name="grants")
