"""Closed cases leave the store only through a recorded disposal (retention)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.grants import issue_grant
from integritas.access.users import get_user
from integritas.cases.decisions import decide_outcome, lodge_appeal
from integritas.cases.disposal import dispose_cases, due_cases
from integritas.cases.evidence import view_evidence
from integritas.cases.models import (
    Case,
    CaseDisposal,
    CaseEvent,
    CaseNote,
    CaseOutcome,
    ReviewFlag,
)
from integritas.cases.precision import load_decisions
from integritas.cases.service import add_note, open_case
from integritas.cases.warehouse import warehouse_flags
from integritas.detect.flags import write_flags
from integritas.retention import service as retention
from integritas.settings import Workspace

SUBJECT = "P-AAAAAAAAAAAA"
OTHER = "P-BBBBBBBBBBBB"


def _decide(s: Session, ref: str, person: str, outcome: str = "legitimate_explanation") -> None:
    issue_grant(
        s,
        by=get_user(s, "aa2"),
        grantee=get_user(s, "aa1"),
        person_id=person,
        purpose="misconduct_investigation",
        case_ref=ref,
        justification="case review",
    )
    view_evidence(s, user=get_user(s, "aa1"), ref=ref)
    decide_outcome(s, user=get_user(s, "aa1"), ref=ref, outcome=outcome, reasons="explained")


def _count(s: Session, model: Any, case_id: int) -> int:
    return int(s.scalar(select(func.count()).where(model.case_id == case_id)) or 0)


@pytest.fixture
def closed(sessions: sessionmaker[Session], case_ref: str) -> int:
    """The SUBJECT case decided (no case to answer) with a note; returns its id."""
    with sessions.begin() as s:
        add_note(s, user=get_user(s, "inv"), ref=case_ref, text="Rota team confirmed the swap.")
        _decide(s, case_ref, SUBJECT)
        return int(s.scalar(select(Case.id).where(Case.ref == case_ref)) or 0)


def test_only_closed_cases_past_their_period_are_due(
    sessions: sessionmaker[Session], make_flag: Any, closed: int
) -> None:
    days = {"legitimate_explanation": 365}
    with sessions.begin() as s:
        c = open_case(  # an open case is never due, however old
            s,
            user=get_user(s, "analyst"),
            flag_ids=[make_flag(3, OTHER).flag_id],
            investigator="inv",
        )
        today = date.today()
        assert due_cases(s, today, lambda o: days[o]) == []
        later = today + timedelta(days=366)
        due = due_cases(s, later, lambda o: days[o])
        assert [d.case_id for d in due] == [closed]
        assert due[0].outcome == "legitimate_explanation" and len(due[0].flag_ids) == 2
        # an appeal pending holds the case, whatever its age
        lodge_appeal(s, user=get_user(s, "aa1"), ref=due[0].ref, grounds="new facts")
        assert due_cases(s, later, lambda o: days[o]) == []
        assert c.status == "open"


def test_disposal_is_recorded_then_deletes_the_case_and_all_it_holds(
    sessions: sessionmaker[Session], make_flag: Any, closed: int
) -> None:
    with sessions.begin() as s:
        due = due_cases(s, date.today() + timedelta(days=400), lambda o: 365)
        counts = dispose_cases(s, due, "RC-TEST")
    assert (counts.cases, counts.notes, counts.outcomes, counts.flags) == (1, 1, 1, 2)
    assert counts.events >= 4  # opened, two flags added, outcome ...
    with sessions.begin() as s:
        assert s.get(Case, closed) is None
        for model in (CaseNote, CaseEvent, CaseOutcome, ReviewFlag):
            assert _count(s, model, closed) == 0
        # the other person's flag is untouched
        assert s.get(ReviewFlag, make_flag(3, OTHER).flag_id) is not None
        record = s.scalars(select(CaseDisposal)).one()
        assert record.case_id == closed and record.certificate_id == "RC-TEST"
        body = " ".join(str(v) for v in vars(record).values())
        assert SUBJECT not in body  # never who the case was about
        # rule precision keeps the decision of each flag the case held
        decisions = [d for d in load_decisions(s) if d.reason == "legitimate_explanation"]
        assert len(decisions) == 2 and {d.verdict for d in decisions} == {"dismissed"}
    for sql in ("UPDATE case_disposals SET outcome = 'x'", "DELETE FROM case_disposals"):
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as s:
            s.execute(text(sql))


def test_unrecorded_deletes_and_all_updates_stay_refused(
    sessions: sessionmaker[Session], closed: int
) -> None:
    for sql in (
        f"DELETE FROM case_notes WHERE case_id = {closed}",
        f"DELETE FROM case_outcomes WHERE case_id = {closed}",
        f"DELETE FROM case_events WHERE case_id = {closed}",
    ):
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as s:
            s.execute(text(sql))
    with sessions.begin() as s:  # a disposal record opens the door to deletes only
        s.add(
            CaseDisposal(
                case_id=closed,
                case_ref="C-X",
                outcome="legitimate_explanation",
                adverse=False,
                confirms=False,
                closed_at=date.today(),
                retention_days=365,
                flags="[]",
                certificate_id="RC-TEST",
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as s:
        s.execute(text(f"UPDATE case_notes SET text = 'x' WHERE case_id = {closed}"))


def test_retention_apply_disposes_closed_cases_and_certifies_it(
    sessions: sessionmaker[Session], make_flag: Any, closed: int, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path / "home")
    write_flags(ws, [make_flag(1), make_flag(2), make_flag(3, OTHER)], [])
    later = date.today() + timedelta(days=400)
    with sessions.begin() as s:
        plan = retention.apply(ws, session=s, dry_run=True, today=later)
        lines = [i for i in plan.items if i.what.startswith("closed cases")]
        assert [(i.count, i.action) for i in lines] == [(1, "deleted")]
    with sessions.begin() as s:
        assert s.get(Case, closed) is not None  # the dry run deleted nothing
        cert = retention.apply(ws, session=s, actor="dpo", today=later)
    with sessions.begin() as s:
        assert s.get(Case, closed) is None
        record = s.scalars(select(CaseDisposal)).one()
        assert record.certificate_id == cert.certificate_id
        assert "legitimate_explanation" in cert.to_json() and SUBJECT not in cert.to_json()
    # the case's flags leave the warehouse too; the other person's flag stays
    assert [f.flag_id for f in warehouse_flags(ws)] == [make_flag(3, OTHER).flag_id]
