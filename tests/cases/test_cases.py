from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import PermissionDenied
from integritas.access.grants import issue_grant
from integritas.access.users import get_user
from integritas.audit.models import AuditEvent
from integritas.cases.decisions import (
    decide_appeal,
    decide_outcome,
    lodge_appeal,
    notify_subject,
    record_account,
)
from integritas.cases.evidence import view_evidence
from integritas.cases.models import CaseNote, CaseOutcome, ImmutableRecord
from integritas.cases.queue import CaseError
from integritas.cases.service import add_note, get_case, list_cases, open_case
from integritas.store.base import utcnow

SUBJECT = "P-AAAAAAAAAAAA"
OTHER = "P-BBBBBBBBBBBB"


def _actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _grant(s: Session, to: str, ref: str) -> None:
    issue_grant(
        s,
        by=get_user(s, "aa2" if to != "aa2" else "aa1"),
        grantee=get_user(s, to),
        person_id=SUBJECT,
        purpose="misconduct_investigation",
        case_ref=ref,
        justification="case review",
    )


def test_open_case_rules(sessions: sessionmaker[Session], make_flag: Any, case_ref: str) -> None:
    with sessions.begin() as s:
        analyst = get_user(s, "analyst")
        with pytest.raises(CaseError, match="already in_case"):
            open_case(s, user=analyst, flag_ids=[make_flag(1).flag_id], investigator="inv")
        with pytest.raises(CaseError, match="no flag"):
            open_case(s, user=analyst, flag_ids=["F-nope"], investigator="inv")
        with pytest.raises(PermissionDenied):  # a line manager cannot work a case
            open_case(s, user=analyst, flag_ids=[make_flag(3, OTHER).flag_id], investigator="lm")
    with sessions.begin() as s:
        detail = get_case(s, user=get_user(s, "inv"), ref=case_ref)
        assert detail.person_id == SUBJECT and len(detail.flag_ids) == 2
        assert [e.kind for e in detail.events] == ["opened", "flag_added", "flag_added"]
        assert [c.ref for c in list_cases(s, user=get_user(s, "inv"))] == [case_ref]
        assert list_cases(s, user=get_user(s, "inv2")) == []
        with pytest.raises(PermissionDenied):  # not assigned to inv2
            get_case(s, user=get_user(s, "inv2"), ref=case_ref)
        assert "case.opened" in _actions(s) and "case.read" in _actions(s)


def test_notes_are_immutable(sessions: sessionmaker[Session], case_ref: str) -> None:
    with sessions.begin() as s:
        first = add_note(s, user=get_user(s, "inv"), ref=case_ref, text="Spoke to rota team.")
    with sessions.begin() as s:
        note = s.get(CaseNote, first.id)
        assert note is not None
        note.text = "changed"
        with pytest.raises(ImmutableRecord):
            s.flush()
        s.rollback()
    for sql in ("UPDATE case_notes SET text = 'x'", "DELETE FROM case_notes"):
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as s:
            s.execute(text(sql))
    with sessions.begin() as s:
        fix = add_note(
            s, user=get_user(s, "inv"), ref=case_ref, text="Rota team, not HR.", corrects=first.id
        )
        detail = get_case(s, user=get_user(s, "inv"), ref=case_ref)
        assert [n.text for n in detail.notes] == ["Spoke to rota team.", "Rota team, not HR."]
        assert detail.notes[0].corrected_by == [fix.id]
        assert _actions(s).count("case.note_added") == 2


def test_no_adverse_outcome_without_account_and_evidence(
    sessions: sessionmaker[Session], case_ref: str
) -> None:
    with sessions.begin() as s, pytest.raises(PermissionDenied):  # investigators cannot decide
        decide_outcome(
            s, user=get_user(s, "inv"), ref=case_ref, outcome="misconduct_meeting", reasons="r"
        )
    with sessions.begin() as s:
        aa1 = get_user(s, "aa1")
        with pytest.raises(CaseError, match="not opened the evidence") as err:
            decide_outcome(s, user=aa1, ref=case_ref, outcome="misconduct_meeting", reasons="r")
        assert "subject's account" in str(err.value)
        with pytest.raises(PermissionDenied):  # evidence needs a live purpose grant
            view_evidence(s, user=aa1, ref=case_ref)
    with sessions.begin() as s:
        _grant(s, "aa1", case_ref)
        ev = view_evidence(s, user=get_user(s, "aa1"), ref=case_ref)
        assert [r.row_number for e in ev for r in e.refs] == [2, 3]
    with sessions.begin() as s:
        aa1 = get_user(s, "aa1")
        with pytest.raises(CaseError, match="subject's account"):
            decide_outcome(s, user=aa1, ref=case_ref, outcome="misconduct_meeting", reasons="r")
        with pytest.raises(CaseError, match="written reasons"):
            decide_outcome(s, user=aa1, ref=case_ref, outcome="management_conversation", reasons="")
    with sessions.begin() as s:
        inv = get_user(s, "inv")
        with pytest.raises(CaseError, match="not been notified"):
            record_account(s, user=inv, ref=case_ref, deadline_passed=True)
        now = utcnow()
        due = notify_subject(s, user=inv, ref=case_ref, now=now)
        assert due - now == timedelta(days=14)
        with pytest.raises(CaseError, match="has not passed"):
            record_account(s, user=inv, ref=case_ref, deadline_passed=True, now=now)
        assert s.scalar(select(CaseOutcome.id)) is None
    with sessions.begin() as s:
        record_account(
            s, user=get_user(s, "inv"), ref=case_ref, response="I swapped shifts with a colleague."
        )
        out = decide_outcome(
            s, user=get_user(s, "aa1"), ref=case_ref, outcome="misconduct_meeting", reasons="r1"
        )
        assert out.label == "Misconduct meeting" and out.adverse
        detail = get_case(s, user=get_user(s, "aa1"), ref=case_ref)
        assert detail.status == "decided" and detail.account_status == "responded"
        kinds = [e.kind for e in detail.events]
        assert kinds[-4:] == ["evidence_viewed", "subject_notified", "account_recorded", "outcome"]
        assert [n.kind for n in detail.notes] == ["account"]
        acts = _actions(s)
        for a in (
            "case.evidence_viewed",
            "flag.read_evidence",
            "case.subject_notified",
            "case.account_recorded",
            "case.outcome_recorded",
        ):
            assert a in acts


def test_non_adverse_outcome_needs_evidence_but_not_account(
    sessions: sessionmaker[Session], case_ref: str
) -> None:
    with sessions.begin() as s:
        _grant(s, "aa1", case_ref)
        view_evidence(s, user=get_user(s, "aa1"), ref=case_ref)
        out = decide_outcome(
            s, user=get_user(s, "aa1"), ref=case_ref, outcome="legitimate_explanation", reasons="ok"
        )
        assert not out.adverse


def test_deadline_passed_then_staff_route_label(
    sessions: sessionmaker[Session], make_flag: Any, case_ref: str
) -> None:
    with sessions.begin() as s:
        c = open_case(
            s,
            user=get_user(s, "aa1"),
            flag_ids=[make_flag(3, OTHER).flag_id],
            investigator="inv",
            staff_type="staff",
        )
        inv = get_user(s, "inv")
        now = utcnow()
        notify_subject(s, user=inv, ref=c.ref, now=now - timedelta(days=20))
        assert (
            record_account(s, user=inv, ref=c.ref, deadline_passed=True, now=now)
            == "deadline_passed"
        )
        issue_grant(
            s,
            by=get_user(s, "aa1"),
            grantee=get_user(s, "aa2"),
            person_id=OTHER,
            purpose="misconduct_investigation",
            case_ref=c.ref,
            justification="x",
        )
        view_evidence(s, user=get_user(s, "aa2"), ref=c.ref)
        out = decide_outcome(
            s, user=get_user(s, "aa2"), ref=c.ref, outcome="gross_misconduct_hearing", reasons="r"
        )
        assert out.label == "Staff disciplinary hearing (gross misconduct)"


def test_appeals_and_criminal_referral_restriction(
    sessions: sessionmaker[Session], case_ref: str
) -> None:
    with sessions.begin() as s:
        _grant(s, "aa1", case_ref)
        _grant(s, "aa2", case_ref)
        view_evidence(s, user=get_user(s, "aa1"), ref=case_ref)
        aa1 = get_user(s, "aa1")
        with pytest.raises(CaseError, match="no outcome to appeal"):
            lodge_appeal(s, user=aa1, ref=case_ref, grounds="unfair")
        decide_outcome(s, user=aa1, ref=case_ref, outcome="organisational_fix", reasons="rota")
        lodge_appeal(s, user=aa1, ref=case_ref, grounds="the rota was fixed already")
        with pytest.raises(CaseError, match="already has an appeal pending"):
            lodge_appeal(s, user=aa1, ref=case_ref, grounds="again")
        with pytest.raises(CaseError, match="other than the original decider"):
            decide_appeal(s, user=aa1, ref=case_ref, result="allowed", reasons="x")
        aa2 = get_user(s, "aa2")
        with pytest.raises(CaseError, match="not opened the evidence"):
            decide_appeal(s, user=aa2, ref=case_ref, result="allowed", reasons="x")
        view_evidence(s, user=aa2, ref=case_ref)
        decide_appeal(s, user=aa2, ref=case_ref, result="allowed", reasons="new facts")
        detail = get_case(s, user=aa2, ref=case_ref)
        assert detail.status == "open" and not detail.appeal_pending
        kinds = [e.kind for e in detail.events if e.kind.startswith(("appeal", "outcome"))]
        assert kinds == ["outcome", "appeal_lodged", "appeal_decided"]
        # a new decision after the appeal: criminal referral (adverse) needs the account
        inv = get_user(s, "inv")
        notify_subject(s, user=inv, ref=case_ref)
        record_account(s, user=inv, ref=case_ref, response="No comment.")
        decide_outcome(s, user=aa2, ref=case_ref, outcome="criminal_referral", reasons="theft")
        acts = _actions(s)
        assert "case.appeal_lodged" in acts and "case.appeal_decided" in acts
        assert "case.restricted" in acts
    with sessions.begin() as s:
        detail = get_case(s, user=get_user(s, "aa2"), ref=case_ref)  # holds a grant
        assert detail.restricted and len(detail.outcomes) == 2
        with pytest.raises(PermissionDenied):  # assigned, but no restricted-area access
            get_case(s, user=get_user(s, "inv"), ref=case_ref)
        assert list_cases(s, user=get_user(s, "aa2")) == []


def test_unmask_for_the_case_shows_on_its_timeline(
    sessions: sessionmaker[Session], case_ref: str
) -> None:
    from integritas.access.unmask import decide_unmask, request_unmask

    with sessions.begin() as s:
        req = request_unmask(
            s, user=get_user(s, "inv"), person_id=SUBJECT, case_ref=case_ref, justification="why"
        )
        decide_unmask(s, approver=get_user(s, "aa1"), request_id=req.id, approve=True)
        view_evidence(s, user=get_user(s, "inv"), ref=case_ref)  # the grant now allows it
        detail = get_case(s, user=get_user(s, "inv"), ref=case_ref)
        kinds = [(e.kind, e.actor) for e in detail.events]
        assert kinds[-3:] == [
            ("unmask_requested", "inv"),
            ("unmask_approved", "aa1"),
            ("evidence_viewed", "inv"),
        ]
