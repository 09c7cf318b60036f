"""`integritas dpia render|consult|check`, `integritas signoff`, `integritas activate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Kind = Annotated[str, typer.Argument(help="source, metric or rule.")]
Name = Annotated[str, typer.Argument(help="Name of the source, metric or rule.")]


def register(app: typer.Typer) -> None:
    dpia = typer.Typer(
        help="Generated DPIA, record of processing, staff notice, registers.", no_args_is_help=True
    )

    @dpia.command("render")
    def render_command(
        out: Annotated[Path, typer.Option("--out", help="Folder to publish into.")],
    ) -> None:
        """Render every document as HTML and PDF; version it and show the diff."""
        from integritas.cli import State
        from integritas.transparency.publish import render

        pub = render(State.workspace(), out)
        state = "new version" if pub.new_version else "unchanged"
        typer.echo(
            f"version {pub.version} ({state}, {pub.sha256[:12]}): {len(pub.files)} files in {out}"
        )
        if pub.diff:
            typer.echo(
                f"{len(pub.diff)} diff lines from version {pub.previous}: {out / 'diff.txt'}"
            )

    @dpia.command("consult")
    def consult_command(
        date: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
        body: Annotated[str, typer.Option(help="Who was consulted.")],
        summary: Annotated[str, typer.Option(help="What they said and what changed.")],
    ) -> None:
        """Add an entry to the consultation record."""
        from integritas.cli import State
        from integritas.transparency.dpia import Consultation, add_consultation

        try:
            add_consultation(State.workspace(), Consultation(date, body, summary))
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo("consultation recorded")

    @dpia.command("check")
    def check_command(kind: Kind, name: Name) -> None:
        """Say what stops an item going live (nothing is recorded)."""
        from integritas.cli import State
        from integritas.store.cli_session import cli_transaction
        from integritas.transparency.gate import GateError, check

        try:
            with cli_transaction() as session:
                res = check(State.workspace(), session=session, kind=kind, name=name)
        except GateError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        _print(res)

    def signoff_command(
        kind: Kind,
        name: Name,
        by: Annotated[str, typer.Option("--by", help="The DPO's full name.")],
        note: Annotated[str, typer.Option(help="Conditions or remarks.")] = "",
    ) -> None:
        """Record the named DPO's sign-off of an item's DPIA at its current version."""
        from integritas.cli import State
        from integritas.store.cli_session import cli_transaction
        from integritas.transparency.gate import GateError, signoff

        try:
            with cli_transaction() as session:
                s = signoff(
                    State.workspace(),
                    session=session,
                    kind=kind,
                    name=name,
                    by=by,
                    role="dpo",
                    note=note,
                )
        except GateError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"signed off {kind} {name} version {s.item_version} by {s.signed_by}")

    def activate_command(
        kind: Kind,
        name: Name,
        actor: Annotated[str, typer.Option(help="Who activates.")] = "cli",
    ) -> None:
        """Put an item live, or explain everything that is missing."""
        from integritas.cli import State
        from integritas.store.cli_session import cli_transaction
        from integritas.transparency.gate import GateError, activate

        try:
            with cli_transaction() as session:
                res = activate(
                    State.workspace(), session=session, kind=kind, name=name, actor=actor
                )
        except GateError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        _print(res)
        if res.allowed:
            typer.echo(f"{kind} {name} version {res.version} is live")

    app.add_typer(dpia, name="dpia")
    app.command("signoff")(signoff_command)
    app.command("activate")(activate_command)


def _print(res: object) -> None:
    from integritas.transparency.gate import GateResult

    assert isinstance(res, GateResult)
    if res.allowed:
        typer.echo(f"{res.kind} {res.name} version {res.version}: nothing missing")
        return
    typer.echo(f"{res.kind} {res.name} version {res.version} cannot go live:")
    for m in res.missing:
        typer.echo(f"  - {m}")
    raise typer.Exit(1)
