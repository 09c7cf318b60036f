"""`integritas cases ...`: triage queue and case actions, acting as a named user (``--as``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from integritas.access.models import User

AS = Annotated[str, typer.Option("--as", help="Act as this user (username).")]
JSON = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _acting(username: str) -> Iterator[tuple[Session, User]]:
    """One transaction as ``username``. A refusal is committed (its audit event stays) and
    exits 3; a bad request rolls back (nothing changed) and exits 2."""
    from integritas.access.authz import PermissionDenied
    from integritas.access.users import AccessError, get_user
    from integritas.cases.queue import CaseError
    from integritas.cli import State
    from integritas.store.migrate import StoreNotMigrated
    from integritas.store.session import workspace_sessions

    try:
        factory = workspace_sessions(State.workspace())
    except StoreNotMigrated as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    session = factory()
    try:
        yield session, get_user(session, username)
        session.commit()
    except PermissionDenied as exc:
        session.commit()
        typer.echo(f"denied: {exc}", err=True)
        raise typer.Exit(3) from None
    except (CaseError, AccessError) as exc:
        session.rollback()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _print(obj: Any, as_json: bool, text: str) -> None:
    if as_json:
        from pydantic import TypeAdapter

        typer.echo(json.dumps(TypeAdapter(Any).dump_python(obj, mode="json"), indent=2))
    else:
        typer.echo(text)


def register(app: typer.Typer) -> None:
    cases = typer.Typer(help="Human review: triage queue, cases, outcomes.", no_args_is_help=True)
    app.add_typer(cases, name="cases")

    @cases.command("receive")
    def receive_command() -> None:
        """Hand the warehouse's live flags to review (idempotent)."""
        from integritas.cases.intake import StoreFlagSink
        from integritas.cases.warehouse import warehouse_flags
        from integritas.cli import State
        from integritas.detect.flags import hand_off
        from integritas.store.session import workspace_sessions

        ws = State.workspace()
        n = hand_off(warehouse_flags(ws), StoreFlagSink.for_workspace(ws, workspace_sessions(ws)))
        typer.echo(f"{n} new flags for review")

    @cases.command("queue")
    def queue_command(
        user: AS,
        rule: Annotated[str | None, typer.Option(help="Only this rule.")] = None,
        unit: Annotated[str | None, typer.Option(help="Only this unit.")] = None,
        severity: Annotated[str | None, typer.Option(help="low, medium or high.")] = None,
        min_age: Annotated[int | None, typer.Option(help="At least this many days old.")] = None,
        max_age: Annotated[int | None, typer.Option(help="At most this many days old.")] = None,
        sort: Annotated[str, typer.Option(help="received_at, severity, rule, value…")] = (
            "received_at"
        ),
        asc: Annotated[bool, typer.Option("--asc", help="Ascending order.")] = False,
        page: int = 1,
        page_size: int = 50,
        as_json: JSON = False,
    ) -> None:
        """The triage queue of live tertiary flags (pseudonymised)."""
        from pydantic import ValidationError

        from integritas.cases.queue import list_queue
        from integritas.cases.schemas import QueueFilter

        try:
            f = QueueFilter.model_validate(
                dict(
                    rule=rule,
                    unit=unit,
                    severity=severity,
                    min_age_days=min_age,
                    max_age_days=max_age,
                    sort=sort,
                    descending=not asc,
                    page=page,
                    page_size=page_size,
                )
            )
        except ValidationError as exc:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
            typer.echo(f"error: {problems}", err=True)
            raise typer.Exit(2) from None
        with _acting(user) as (s, me):
            pg = list_queue(s, user=me, filters=f)
        lines = [f"{pg.total} flags (page {pg.page})"] + [
            f"{i.flag_id}  {i.person_id}  {i.rule} v{i.rule_version}  {i.severity:<6}  "
            f"{i.unit_id or '-'}  {i.age_days}d  {i.explanation}"
            for i in pg.items
        ]
        _print(pg, as_json, "\n".join(lines))

    @cases.command("welfare")
    def welfare_command(user: AS, as_json: JSON = False) -> None:
        """Welfare (secondary) flags of the people you line-manage."""
        from integritas.cases.queue import welfare_list

        with _acting(user) as (s, me):
            items = welfare_list(s, user=me)
        text = "\n".join(f"{i.flag_id}  {i.person_id}  {i.explanation}" for i in items)
        _print(items, as_json, text or "no welfare flags")

    @cases.command("dismiss")
    def dismiss_command(
        flag_id: str,
        user: AS,
        reason: Annotated[str, typer.Option(help="data_error, legitimate_explanation, …")],
        note: Annotated[str, typer.Option(help="Why, in a sentence.")] = "",
    ) -> None:
        """Dismiss a flag with a reason."""
        from integritas.cases.queue import dismiss_flag

        with _acting(user) as (s, me):
            dismiss_flag(s, user=me, flag_id=flag_id, reason=reason, note=note)
        typer.echo(f"dismissed {flag_id}: {reason}")

    @cases.command("open")
    def open_command(
        flag_ids: list[str],
        user: AS,
        investigator: Annotated[str, typer.Option(help="Username of the investigator.")],
        staff_type: Annotated[
            str | None, typer.Option(help="officer or staff (default: from HR master).")
        ] = None,
    ) -> None:
        """Open a case on one person from one or more flags."""
        from integritas.cases.service import open_case
        from integritas.cases.warehouse import staff_type_of
        from integritas.cli import State

        with _acting(user) as (s, me):
            kind = staff_type or staff_type_of(State.workspace(), s, flag_ids[0])
            c = open_case(s, user=me, flag_ids=flag_ids, investigator=investigator, staff_type=kind)
        typer.echo(f"opened {c.ref} on {c.person_id} ({c.staff_type}), assigned to {investigator}")

    @cases.command("assign")
    def assign_command(
        ref: str, user: AS, investigator: Annotated[str, typer.Option(help="Username.")]
    ) -> None:
        """Reassign a case's investigator."""
        from integritas.cases.service import assign_case

        with _acting(user) as (s, me):
            assign_case(s, user=me, ref=ref, investigator=investigator)
        typer.echo(f"{ref} assigned to {investigator}")

    @cases.command("show")
    def show_command(ref: str, user: AS, as_json: JSON = False) -> None:
        """A case: flags, timeline, notes and outcomes."""
        from integritas.cases.service import get_case

        with _acting(user) as (s, me):
            d = get_case(s, user=me, ref=ref)
        lines = [
            f"{d.ref}  {d.person_id}  {d.status}{'  RESTRICTED' if d.restricted else ''}  "
            f"investigator {d.investigator}",
            f"account: {d.account_status or 'not recorded'}"
            + (f" (deadline {d.response_deadline:%Y-%m-%d})" if d.response_deadline else ""),
            "flags:",
            *[f"  {f.flag_id}  {f.rule} v{f.rule_version}  {f.explanation}" for f in d.flags],
            "timeline:",
            *[f"  {e.at:%Y-%m-%d %H:%M}  {e.actor:<12} {e.kind}  {e.detail}" for e in d.events],
            "notes:",
            *[
                f"  #{n.id} {n.author} [{n.kind}]"
                + (f" (corrects #{n.corrects_id})" if n.corrects_id else "")
                + f": {n.text}"
                for n in d.notes
            ],
        ]
        _print(d, as_json, "\n".join(lines))

    @cases.command("note")
    def note_command(
        ref: str,
        text: str,
        user: AS,
        corrects: Annotated[int | None, typer.Option(help="Id of the note this corrects.")] = None,
    ) -> None:
        """Add a note (notes are never edited; a correction is a new note)."""
        from integritas.cases.service import add_note

        with _acting(user) as (s, me):
            n = add_note(s, user=me, ref=ref, text=text, corrects=corrects)
        typer.echo(f"note #{n.id} added to {ref}")

    @cases.command("evidence")
    def evidence_command(ref: str, user: AS, as_json: JSON = False) -> None:
        """Open the case's evidence rows (needs a live purpose grant; recorded)."""
        from integritas.cases.evidence import view_evidence
        from integritas.cli import State

        with _acting(user) as (s, me):
            ev = view_evidence(s, user=me, ref=ref, ws=State.workspace())
        lines = []
        for e in ev:
            lines.append(f"{e.flag_id}: {e.explanation}")
            lines += [f"  {json.dumps(r, default=str)}" for r in e.rows] or [
                f"  {r.source} {r.batch_id} row {r.row_number}" for r in e.refs
            ]
        _print(ev, as_json, "\n".join(lines))

    @cases.command("notify")
    def notify_command(
        ref: str,
        user: AS,
        deadline: Annotated[
            datetime | None, typer.Option(help="Respond-by date (default: settings).")
        ] = None,
    ) -> None:
        """Record that the subject was told and given a deadline to respond."""
        from integritas.cases.decisions import notify_subject

        with _acting(user) as (s, me):
            due = notify_subject(s, user=me, ref=ref, deadline=deadline)
        typer.echo(f"{ref}: subject notified; respond by {due:%Y-%m-%d %H:%M}")

    @cases.command("account")
    def account_command(
        ref: str,
        user: AS,
        response: Annotated[str | None, typer.Option(help="The subject's response.")] = None,
        deadline_passed: Annotated[
            bool, typer.Option("--deadline-passed", help="No response by the deadline.")
        ] = False,
    ) -> None:
        """Record the subject's account: their response, or that the deadline passed."""
        from integritas.cases.decisions import record_account

        with _acting(user) as (s, me):
            status = record_account(
                s, user=me, ref=ref, response=response, deadline_passed=deadline_passed
            )
        typer.echo(f"{ref}: account {status}")

    @cases.command("outcome")
    def outcome_command(
        ref: str,
        outcome: str,
        user: AS,
        reasons: Annotated[str, typer.Option(help="Written reasons for the decision.")],
    ) -> None:
        """Decide the outcome (see `integritas cases outcomes` for the codes)."""
        from integritas.cases.decisions import decide_outcome

        with _acting(user) as (s, me):
            o = decide_outcome(s, user=me, ref=ref, outcome=outcome, reasons=reasons)
        typer.echo(f"{ref}: {o.label}")

    @cases.command("outcomes")
    def outcomes_command() -> None:
        """List the declared outcomes and dismissal reasons."""
        from integritas.cases.outcomes import DISMISSAL_REASONS, outcomes

        for o in outcomes().values():
            staff = f"  [staff: {o.staff_label}]" if o.staff_label != o.label else ""
            typer.echo(f"{o.code:<32}{'adverse ' if o.adverse else '        '}{o.label}{staff}")
        typer.echo("dismissal reasons:")
        for code, label in DISMISSAL_REASONS.items():
            typer.echo(f"  {code:<24}{label}")

    @cases.command("appeal")
    def appeal_command(
        ref: str,
        user: AS,
        grounds: Annotated[
            str | None, typer.Option(help="Lodge an appeal on these grounds.")
        ] = None,
        decide: Annotated[str | None, typer.Option(help="Decide it: allowed or dismissed.")] = None,
        reasons: Annotated[str, typer.Option(help="Reasons for the appeal decision.")] = "",
    ) -> None:
        """Lodge an appeal (--grounds) or decide one (--decide, --reasons)."""
        from integritas.cases.decisions import decide_appeal, lodge_appeal

        if (grounds is None) == (decide is None):
            typer.echo("error: give either --grounds or --decide", err=True)
            raise typer.Exit(2)
        with _acting(user) as (s, me):
            if grounds is not None:
                lodge_appeal(s, user=me, ref=ref, grounds=grounds)
            else:
                decide_appeal(s, user=me, ref=ref, result=decide, reasons=reasons)  # type: ignore[arg-type]
        typer.echo(f"{ref}: appeal {'lodged' if grounds is not None else decide}")

    @cases.command("letter")
    def letter_command(
        ref: str,
        kind: Annotated[str, typer.Argument(help="subject_notification or early_intervention")],
        user: AS,
        out: Annotated[Path, typer.Option(help="Folder for the HTML and PDF.")] = Path("."),
    ) -> None:
        """Generate a letter to the subject (HTML and PDF)."""
        from integritas.cases.letters import generate_letter

        with _acting(user) as (s, me):
            letter = generate_letter(s, user=me, ref=ref, kind=kind, out_dir=out)  # type: ignore[arg-type]
        typer.echo(f"wrote {letter.pdf_path} and its .html")

    @cases.command("precision")
    def precision_command(user: AS, as_json: JSON = False) -> None:
        """Rule precision per rule and version; rules below their floor are marked for review."""
        from integritas.cases.precision import rule_health

        with _acting(user) as (s, me):
            health = rule_health(s, user=me)
        lines = []
        for h in health:
            ws = "  ".join(
                f"{w.days}d: {'-' if w.precision is None else f'{w.precision:.2f}'}"
                f" ({w.confirmed}/{w.confirmed + w.dismissed})"
                for w in h.windows
            )
            mark = f"  REVIEW: {h.review_reason}" if h.needs_review else ""
            lines.append(f"{h.rule} v{h.rule_version}  {ws}  open {h.open_flags}{mark}")
        _print(health, as_json, "\n".join(lines) or "no decisions yet")
