"""`integritas sar export`, `integritas dispute raise|resolve`, `integritas objection raise|decide`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    sar = typer.Typer(help="Subject access requests.", no_args_is_help=True)
    dispute = typer.Typer(help="Disputed records (rectification).", no_args_is_help=True)
    objection = typer.Typer(help="Objections to processing.", no_args_is_help=True)

    @sar.command("export")
    def sar_export(
        staff_number: Annotated[str, typer.Option("--staff-number", help="The requester.")],
        out: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
        actor: Annotated[str, typer.Option(help="Who produced the export.")] = "cli",
    ) -> None:
        """Export every record held about one person, and who viewed it, as a zip."""
        from integritas.cli import State
        from integritas.rights.sar import export_sar
        from integritas.store.cli_session import cli_transaction

        with cli_transaction() as session:
            res = export_sar(
                State.workspace(), staff_number=staff_number, out=out, session=session, actor=actor
            )
        typer.echo(
            f"{res.total} records in {len(res.sections)} sections; "
            f"{len(res.views)} views logged; written to {out}"
        )

    @dispute.command("raise")
    def dispute_raise(
        source: Annotated[str, typer.Option(help="Source of the record.")],
        batch_id: Annotated[str, typer.Option("--batch-id", help="Batch of the record.")],
        row: Annotated[int, typer.Option("--row", help="Row number in the batch.")],
        reason: Annotated[str, typer.Option(help="Why the record is wrong.")],
        actor: Annotated[str, typer.Option(help="Who raises it.")] = "cli",
    ) -> None:
        """Mark a record disputed: excluded from metrics, affected flags recomputed."""
        from integritas.cli import State
        from integritas.rights.disputes import RightsError, raise_dispute
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                res = raise_dispute(
                    State.workspace(),
                    session=session,
                    source=source,
                    batch_id=batch_id,
                    row_number=row,
                    reason=reason,
                    actor=actor,
                )
        except RightsError as exc:
            _fail(exc)
            return
        typer.echo(
            f"dispute {res.dispute.id}: {res.values_removed} metric values and "
            f"{res.flags_removed} flags withdrawn; "
            + (
                "flags recomputed"
                if res.flags_after is not None
                else "no metric values yet: flags recompute on the next `metrics run`"
            )
        )

    @dispute.command("resolve")
    def dispute_resolve(
        dispute_id: Annotated[int, typer.Argument(help="Dispute number.")],
        status: Annotated[str, typer.Option(help="corrected or rejected.")],
        resolution: Annotated[str, typer.Option(help="What was done and why.")],
        actor: Annotated[str, typer.Option(help="Who resolves it.")] = "cli",
    ) -> None:
        """Record a correction or rejection; list people who saw the old value."""
        from integritas.cli import State
        from integritas.rights.disputes import RightsError, resolve_dispute
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                res = resolve_dispute(
                    State.workspace(),
                    session=session,
                    dispute_id=dispute_id,
                    status=status,
                    resolution=resolution,
                    actor=actor,
                )
        except RightsError as exc:
            _fail(exc)
            return
        typer.echo(
            f"dispute {dispute_id} {status}; notify: "
            + (", ".join(n["actor"] for n in res.notify) or "nobody saw the old value")
        )

    @objection.command("raise")
    def objection_raise(
        staff_number: Annotated[str, typer.Option("--staff-number", help="The objector.")],
        metric: Annotated[str, typer.Option(help="The metric objected to.")],
        reason: Annotated[str, typer.Option(help="The grounds.")],
        actor: Annotated[str, typer.Option(help="Who records it.")] = "cli",
    ) -> None:
        """Pause a person's processing for one metric pending a decision."""
        from integritas.cli import State
        from integritas.ingest.pseudonyms import Pseudonymiser
        from integritas.rights.disputes import RightsError
        from integritas.rights.objections import raise_objection
        from integritas.store.cli_session import cli_transaction

        ws = State.workspace()
        try:
            with cli_transaction() as session:
                o, n = raise_objection(
                    ws,
                    session=session,
                    person_id=Pseudonymiser(ws).pseudonym(staff_number),
                    metric=metric,
                    reason=reason,
                    actor=actor,
                )
        except RightsError as exc:
            _fail(exc)
            return
        typer.echo(f"objection {o.id}: processing paused; {n} flags withdrawn")

    @objection.command("decide")
    def objection_decide(
        objection_id: Annotated[int, typer.Argument(help="Objection number.")],
        decision: Annotated[str, typer.Option(help="Written reasons.")],
        upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="The decision.")],
        actor: Annotated[str, typer.Option(help="Who decides.")] = "cli",
    ) -> None:
        """Uphold (processing stays stopped) or reject (processing resumes) an objection."""
        from integritas.cli import State
        from integritas.rights.disputes import RightsError
        from integritas.rights.objections import decide_objection
        from integritas.store.cli_session import cli_transaction

        try:
            with cli_transaction() as session:
                o = decide_objection(
                    State.workspace(),
                    session=session,
                    objection_id=objection_id,
                    upheld=upheld,
                    decision=decision,
                    actor=actor,
                )
        except RightsError as exc:
            _fail(exc)
            return
        typer.echo(f"objection {objection_id} {o.status}")

    app.add_typer(sar, name="sar")
    app.add_typer(dispute, name="dispute")
    app.add_typer(objection, name="objection")
