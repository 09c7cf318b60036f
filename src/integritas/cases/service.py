"""Case lifecycle: open, assign, read, notes, evidence views. Every action is checked by
``access.authz`` and audited in the caller's transaction; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.authz import Decision, record_access, register_assignment_check, require
from integritas.access.models import UnmaskRequest, User
from integritas.access.roles import roles
from integritas.audit.events import EventType
from integritas.audit.service import append
from integritas.cases.events import (
    CASE_ASSIGNED,
    CASE_NOTE_ADDED,
    CASE_OPENED,
)
from integritas.cases.models import Case, CaseEvent, CaseNote, CaseOutcome, ReviewFlag
from integritas.cases.queue import CaseError, flag_view
from integritas.cases.schemas import (
    CaseDetail,
    CaseSummary,
    EventView,
    NoteView,
    OutcomeView,
)
from integritas.store.base import utcnow


def _is_assigned(session: Session, user: User, case_ref: str) -> bool:
    c = session.scalar(select(Case).where(Case.ref == case_ref))
    return c is not None and c.investigator_id == user.id


register_assignment_check(_is_assigned)


def load_case(session: Session, ref: str) -> Case:
    c = session.scalar(select(Case).where(Case.ref == ref))
    if c is None:
        raise CaseError(f"no case {ref!r}")
    return c


def require_case(session: Session, user: User, action: str, c: Case) -> Decision:
    """The one check, plus the restricted area's own grant-bound check after a criminal referral."""
    decision = require(session, user, action, case_ref=c.ref)
    if c.restricted:
        require(session, user, "case.read_restricted", person_id=c.person_id, case_ref=c.ref)
    return decision


def add_event(session: Session, c: Case, user: User | None, kind: str, detail: str = "") -> None:
    session.add(
        CaseEvent(
            case_id=c.id,
            at=utcnow(),
            kind=kind,
            actor_id=user.id if user else None,
            actor=user.username if user else "system",
            detail=detail,
        )
    )
    session.flush()


def audit(
    session: Session, user: User, et: EventType, c: Case, detail: str = "", **kw: object
) -> None:
    append(
        session,
        actor=user.username,
        role=user.role,
        action=et.name,
        object_type="case",
        object_id=c.ref,
        subjects=[c.person_id],
        detail=detail,
        **kw,  # type: ignore[arg-type]
    )


def _user(session: Session, username: str) -> User:
    u = session.scalar(select(User).where(User.username == username))
    if u is None:
        raise CaseError(f"no user {username!r}")
    return u


def open_case(
    session: Session,
    *,
    user: User,
    flag_ids: Sequence[str],
    investigator: str,
    staff_type: str = "officer",
) -> CaseSummary:
    """Open a case on one person from one or more open tertiary flags, assigned to an investigator."""
    if not flag_ids:
        raise CaseError("a case needs at least one flag")
    if staff_type not in ("officer", "staff"):
        raise CaseError(f"staff type must be officer or staff, not {staff_type!r}")
    rows = [session.get(ReviewFlag, fid) for fid in flag_ids]
    problems = [
        f"no flag {fid!r} under review" for fid, r in zip(flag_ids, rows, strict=True) if r is None
    ]
    found = [r for r in rows if r is not None]
    problems += [f"flag {r.flag_id} is a welfare flag" for r in found if r.tier != "tertiary"]
    problems += [f"flag {r.flag_id} is already {r.status}" for r in found if r.status != "open"]
    people = {r.person_id for r in found}
    if len(people) > 1:
        problems.append(f"flags concern {len(people)} people; a case concerns one person")
    if problems:
        raise CaseError("; ".join(problems))
    require(session, user, "case.open")
    worker = _user(session, investigator)
    c = Case(
        ref=f"tmp-{uuid4().hex[:24]}",
        person_id=found[0].person_id,
        staff_type=staff_type,
        investigator_id=worker.id,
        opened_by=user.id,
        opened_at=utcnow(),
        status="open",
        restricted=False,
    )
    session.add(c)
    session.flush()
    c.ref = f"C-{c.id:06d}"
    session.flush()
    # The investigator must be able to work the case: the same check their own actions face.
    require(session, worker, "case.work", case_ref=c.ref)
    add_event(session, c, user, "opened", f"assigned to {worker.username}")
    for r in found:
        r.status, r.case_id = "in_case", c.id
        add_event(session, c, user, "flag_added", f"{r.flag_id} ({r.rule} v{r.rule_version})")
    audit(session, user, CASE_OPENED, c, f"flags {', '.join(flag_ids)}; to {worker.username}")
    return summary(session, c)


def add_flag(session: Session, *, user: User, ref: str, flag_id: str) -> CaseSummary:
    """Add another open flag on the same person to an open case."""
    c = load_case(session, ref)
    row = session.get(ReviewFlag, flag_id)
    if row is None or row.tier != "tertiary" or row.status != "open":
        raise CaseError(f"flag {flag_id!r} is not an open tertiary flag")
    if row.person_id != c.person_id:
        raise CaseError(f"flag {flag_id} concerns another person than case {ref}")
    require_case(session, user, "case.work", c)
    row.status, row.case_id = "in_case", c.id
    add_event(session, c, user, "flag_added", f"{row.flag_id} ({row.rule} v{row.rule_version})")
    audit(session, user, CASE_OPENED, c, f"flag {flag_id} added")
    return summary(session, c)


def assign_case(session: Session, *, user: User, ref: str, investigator: str) -> CaseSummary:
    c = load_case(session, ref)
    require_case(session, user, "case.assign", c)
    worker = _user(session, investigator)
    c.investigator_id = worker.id
    session.flush()
    require(session, worker, "case.work", case_ref=c.ref)
    add_event(session, c, user, "assigned", f"to {worker.username}")
    audit(session, user, CASE_ASSIGNED, c, f"to {worker.username}")
    return summary(session, c)


def summary(session: Session, c: Case) -> CaseSummary:
    worker = session.get(User, c.investigator_id)
    flag_ids = list(
        session.scalars(
            select(ReviewFlag.flag_id)
            .where(ReviewFlag.case_id == c.id)
            .order_by(ReviewFlag.flag_id)
        )
    )
    return CaseSummary(
        ref=c.ref,
        person_id=c.person_id,
        staff_type=c.staff_type,
        investigator=worker.username if worker else "?",
        status=c.status,
        restricted=c.restricted,
        opened_at=c.opened_at,
        flag_ids=flag_ids,
    )


def appeal_pending(session: Session, c: Case) -> bool:
    kinds = session.scalars(
        select(CaseEvent.kind)
        .where(CaseEvent.case_id == c.id, CaseEvent.kind.in_(("appeal_lodged", "appeal_decided")))
        .order_by(CaseEvent.id)
    ).all()
    return bool(kinds) and kinds[-1] == "appeal_lodged"


def get_case(session: Session, *, user: User, ref: str) -> CaseDetail:
    """The case, its flags, timeline, notes and outcomes; the read is audited."""
    c = load_case(session, ref)
    decision = require_case(session, user, "case.read", c)
    names = {u.id: u.username for u in session.scalars(select(User))}
    now = utcnow()
    flags = session.scalars(
        select(ReviewFlag).where(ReviewFlag.case_id == c.id).order_by(ReviewFlag.flag_id)
    )
    notes = list(
        session.scalars(select(CaseNote).where(CaseNote.case_id == c.id).order_by(CaseNote.id))
    )
    corrected: dict[int, list[int]] = {}
    for n in notes:
        if n.corrects_id is not None:
            corrected.setdefault(n.corrects_id, []).append(n.id)
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.id)
    )
    outs = session.scalars(
        select(CaseOutcome).where(CaseOutcome.case_id == c.id).order_by(CaseOutcome.id)
    )
    detail = CaseDetail(
        **summary(session, c).model_dump(),
        notified_at=c.notified_at,
        response_deadline=c.response_deadline,
        account_status=c.account_status,
        account_recorded_at=c.account_recorded_at,
        appeal_pending=appeal_pending(session, c),
        flags=[flag_view(f, now, c.ref) for f in flags],
        events=_timeline(session, c, list(events), names),
        notes=[
            NoteView(
                id=n.id,
                at=n.at,
                author=names.get(n.author_id, "?"),
                kind=n.kind,
                text=n.text,
                corrects_id=n.corrects_id,
                corrected_by=corrected.get(n.id, []),
            )
            for n in notes
        ],
        outcomes=[
            OutcomeView(
                id=o.id,
                outcome=o.outcome,
                label=o.label,
                reasons=o.reasons,
                decided_by=names.get(o.decided_by, "?"),
                decided_at=o.decided_at,
                adverse=o.adverse,
            )
            for o in outs
        ],
    )
    record_access(
        session,
        user,
        decision,
        subjects=[c.person_id],
        returned=detail.model_dump(mode="json"),
        object_type="case",
        object_id=c.ref,
    )
    return detail


def _timeline(
    session: Session, c: Case, events: list[CaseEvent], names: dict[int, str]
) -> list[EventView]:
    """The case's own events, merged with the unmask requests and decisions made for it
    (recorded by ``access.unmask`` against the case reference)."""
    out = [EventView(id=e.id, at=e.at, kind=e.kind, actor=e.actor, detail=e.detail) for e in events]
    for r in session.scalars(select(UnmaskRequest).where(UnmaskRequest.case_ref == c.ref)):
        who = names.get(r.requester_id, "?")
        out.append(
            EventView(id=None, at=r.created_at, kind="unmask_requested", actor=who, detail="")
        )
        if r.decided_at is not None and r.decided_by is not None:
            out.append(
                EventView(
                    id=None,
                    at=r.decided_at,
                    kind=f"unmask_{r.status}",
                    actor=names.get(r.decided_by, "?"),
                    detail=f"request {r.id} by {who}",
                )
            )
    return sorted(out, key=lambda e: (e.at, e.id is None, e.id or 0))


def list_cases(session: Session, *, user: User) -> list[CaseSummary]:
    """Cases the user may read, outside the restricted area; the listing is audited."""
    scope = roles().get(user.role, None)
    how = scope.may.get("case.read") if scope else None
    if how is None:  # let the one check deny it, audited
        require(session, user, "case.read", case_ref="*")
    q = select(Case).where(Case.restricted.is_(False)).order_by(Case.id)
    if how == "assigned":
        q = q.where(Case.investigator_id == user.id)
    found = list(session.scalars(q))
    decisions = [require(session, user, "case.read", case_ref=c.ref) for c in found]
    out = [summary(session, c) for c in found]
    if decisions:
        record_access(
            session,
            user,
            decisions[0],
            subjects=sorted({c.person_id for c in found}),
            returned=[c.ref for c in found],
            object_type="case_list",
        )
    return out


def add_note(
    session: Session, *, user: User, ref: str, text: str, corrects: int | None = None
) -> NoteView:
    """Add a note; it can never be edited. ``corrects`` names an earlier note it corrects."""
    if not text.strip():
        raise CaseError("note text is empty")
    c = load_case(session, ref)
    if corrects is not None:
        old = session.get(CaseNote, corrects)
        if old is None or old.case_id != c.id:
            raise CaseError(f"note {corrects} is not a note of case {ref}")
    require_case(session, user, "case.work", c)
    note = CaseNote(case_id=c.id, author_id=user.id, at=utcnow(), text=text, corrects_id=corrects)
    session.add(note)
    session.flush()
    what = f"note {note.id}" + (f" corrects note {corrects}" if corrects else "")
    add_event(session, c, user, "note_added", what)
    audit(session, user, CASE_NOTE_ADDED, c, what)
    return NoteView(
        id=note.id,
        at=note.at,
        author=user.username,
        kind=note.kind,
        text=note.text,
        corrects_id=corrects,
    )
