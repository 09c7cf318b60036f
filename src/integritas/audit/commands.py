"""`integritas audit verify|checkpoint|export|verify-export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _print_report(report: object) -> None:
    from integritas.audit.verify import VerifyReport

    assert isinstance(report, VerifyReport)
    typer.echo(f"{report.events} events, {report.checkpoints} checkpoints")
    first = report.first
    if first is None:
        typer.echo("chain valid")
        return
    typer.echo(f"FIRST PROBLEM: event seq {first.seq} {first.kind}: {first.reason}")
    if len(report.findings) > 1:
        typer.echo(f"({len(report.findings)} findings in all)")
    raise typer.Exit(1)


def _bound(option: str, value: str | None) -> str | None:
    """An ISO date or date-time (UTC unless it says otherwise) in the log's stored form."""
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        typer.echo(f"error: {option} {value!r} is not an ISO date or date-time", err=True)
        raise typer.Exit(2) from None
    at = at.astimezone(UTC) if at.tzinfo else at
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

    @audit.command("verify")
    def verify_command() -> None:
        """Walk the chain and signed checkpoints; exit 1 naming the first tampered event."""
        from integritas.audit.keys import load_or_create_key
        from integritas.audit.verify import verify
        from integritas.cli import State
        from integritas.store.cli_session import cli_transaction

        key = load_or_create_key(State.workspace())
        with cli_transaction() as session:
            report = verify(session, key=key)
        _print_report(report)

    @audit.command("checkpoint")
    def checkpoint_command() -> None:
        """Sign the current chain head with the key in <home>/keys/audit.key."""
        from integritas.audit.keys import load_or_create_key
        from integritas.audit.service import checkpoint
        from integritas.cli import State
        from integritas.store.cli_session import cli_transaction

        key = load_or_create_key(State.workspace())
        with cli_transaction() as session:
            cp = checkpoint(session, key=key, actor="cli")
        typer.echo(f"checkpoint at seq {cp.seq}" if cp else "empty log: nothing to sign")

    @audit.command("export")
    def export_command(
        out: Annotated[Path, typer.Option("--out", help="File to write.")],
        time_from: Annotated[
            str | None, typer.Option("--from", help="ISO date/time, inclusive.")
        ] = None,
        time_to: Annotated[
            str | None, typer.Option("--to", help="ISO date/time, exclusive.")
        ] = None,
    ) -> None:
        """Write a self-verifying export of the events in a time range."""
        from integritas.audit.events import AUDIT_EXPORTED
        from integritas.audit.export import build_export, write_export
        from integritas.audit.service import append, now_iso
        from integritas.store.cli_session import cli_transaction

        lo, hi = _bound("--from", time_from), _bound("--to", time_to)
        with cli_transaction() as session:
            export = build_export(session, time_from=lo, time_to=hi, exported_at=now_iso())
            append(
                session,
                actor="cli",
                role="",
                action=AUDIT_EXPORTED.name,
                detail=f"{len(export.events)} events to {out.name}",
            )
        write_export(export, out)
        typer.echo(f"wrote {len(export.events)} events to {out}")

    @audit.command("verify-export")
    def verify_export_command(
        path: Path,
        key_file: Annotated[
            Path | None, typer.Option("--key", help="Checkpoint key, to check signatures too.")
        ] = None,
    ) -> None:
        """Verify an export file from the file alone (signatures too when given the key)."""
        from integritas.audit.export import ExportUnreadable, verify_export

        key = bytes.fromhex(key_file.read_text().strip()) if key_file else None
        try:
            report = verify_export(path, key=key)
        except ExportUnreadable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        _print_report(report)

    app.add_typer(audit, name="audit")
