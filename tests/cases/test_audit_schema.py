from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import integritas.cases.models as cm
from integritas.access.grants import issue_grant
from integritas.access.models import TeamMember
from integritas.access.users import get_user
from integritas.audit.models import AuditEvent
from integritas.cases import decisions, evidence, letters, precision, queue, service
from integritas.cases.intake import PersonInfo, StoreFlagSink, sync_team_members
from integritas.cases.warehouse import warehouse_flags
from integritas.detect.flags import write_flags
from integritas.detect.models import Tier
from integritas.settings import Workspace
from integritas.store.base import Base

SUBJECT = "P-AAAAAAAAAAAA"
OTHER = "P-BBBBBBBBBBBB"
MINE = {
    "review_flags",
    "cases",
    "case_events",
    "case_notes",
    "case_outcomes",
    "case_disposals",
}


def test_models_match_migration(engine: Engine) -> None:
    assert {t for t in Base.metadata.tables if t in MINE} == MINE
    assert set(cm.APPEND_ONLY_TABLES) <= MINE
    with engine.connect() as con:
        diffs = compare_metadata(MigrationContext.configure(con), Base.metadata)

    def table_of(d: Any) -> str | None:
        d = d[0] if isinstance(d, list) else d
        for part in d[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if name in MINE:
                return str(name)
        return None

    mine = [d for d in diffs if table_of(d) in MINE]
    assert mine == []


def test_every_action_emits_its_audit_event(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> None:
    StoreFlagSink(sessions, people).receive([make_flag(1), make_flag(2), make_flag(3)])
    f1, f2, f3 = (make_flag(i).flag_id for i in (1, 2, 3))
    ref = "C-000001"

    def u(s: Session, name: str) -> Any:
        return get_user(s, name)

    def grant(s: Session) -> None:
        issue_grant(
            s,
            by=u(s, "aa2"),
            grantee=u(s, "aa1"),
            person_id=SUBJECT,
            purpose="misconduct_investigation",
            case_ref=ref,
            justification="x",
        )
        issue_grant(
            s,
            by=u(s, "aa1"),
            grantee=u(s, "aa2"),
            person_id=SUBJECT,
            purpose="misconduct_investigation",
            case_ref=ref,
            justification="x",
        )

    steps: list[tuple[Callable[[Session], object], set[str]]] = [
        (lambda s: queue.list_queue(s, user=u(s, "analyst")), {"flag.list"}),
        (
            lambda s: queue.dismiss_flag(s, user=u(s, "analyst"), flag_id=f3, reason="data_error"),
            {"flag.dismissed"},
        ),
        (
            lambda s: service.open_case(s, user=u(s, "analyst"), flag_ids=[f1], investigator="inv"),
            {"case.opened"},
        ),
        (lambda s: service.add_flag(s, user=u(s, "inv"), ref=ref, flag_id=f2), {"case.opened"}),
        (
            lambda s: service.assign_case(s, user=u(s, "aa1"), ref=ref, investigator="inv"),
            {"case.assigned"},
        ),
        (lambda s: service.get_case(s, user=u(s, "inv"), ref=ref), {"case.read"}),
        (lambda s: service.list_cases(s, user=u(s, "inv")), {"case.read"}),
        (
            lambda s: service.add_note(s, user=u(s, "inv"), ref=ref, text="n"),
            {"case.note_added"},
        ),
        (grant, {"grant.created"}),
        (
            lambda s: evidence.view_evidence(s, user=u(s, "aa1"), ref=ref),
            {"flag.read_evidence", "case.evidence_viewed"},
        ),
        (
            lambda s: decisions.notify_subject(s, user=u(s, "inv"), ref=ref),
            {"case.subject_notified"},
        ),
        (
            lambda s: letters.generate_letter(
                s, user=u(s, "inv"), ref=ref, kind="subject_notification"
            ),
            {"case.letter_generated"},
        ),
        (
            lambda s: decisions.record_account(s, user=u(s, "inv"), ref=ref, response="r"),
            {"case.account_recorded"},
        ),
        (
            lambda s: decisions.decide_outcome(
                s, user=u(s, "aa1"), ref=ref, outcome="management_conversation", reasons="r"
            ),
            {"case.outcome_recorded"},
        ),
        (
            lambda s: decisions.lodge_appeal(s, user=u(s, "aa1"), ref=ref, grounds="g"),
            {"case.appeal_lodged"},
        ),
        (
            lambda s: evidence.view_evidence(s, user=u(s, "aa2"), ref=ref),
            {"flag.read_evidence", "case.evidence_viewed"},
        ),
        (
            lambda s: decisions.decide_appeal(
                s, user=u(s, "aa2"), ref=ref, result="allowed", reasons="r"
            ),
            {"case.appeal_decided"},
        ),
        (
            lambda s: decisions.decide_outcome(
                s, user=u(s, "aa2"), ref=ref, outcome="criminal_referral", reasons="r"
            ),
            {"case.outcome_recorded", "case.restricted"},
        ),
        (lambda s: queue.welfare_list(s, user=u(s, "lm")), set()),  # nothing to show
        (lambda s: precision.rule_health(s, user=u(s, "analyst")), {"rules.read"}),
    ]
    for step, expected in steps:
        with sessions.begin() as s:
            before = s.scalar(select(func.max(AuditEvent.seq))) or 0
            step(s)
            new = s.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
            assert {e.action for e in new} == expected, (expected, [e.action for e in new])
            assert all(e.outcome in ("ok", "allowed") for e in new)
            for e in new:
                if e.action.startswith("case.") or e.action.startswith("flag."):
                    assert SUBJECT in json.loads(e.subjects)


def test_team_sync_and_welfare_intake(
    sessions: sessionmaker[Session], make_flag: Any, users: dict[str, int]
) -> None:
    people = {
        SUBJECT: PersonInfo(line_manager_id="P-MMMMMMMMMMMM"),
        OTHER: PersonInfo(line_manager_id="P-MMMMMMMMMMMM"),
        "P-CCCCCCCCCCCC": PersonInfo(line_manager_id=None),
    }
    with sessions.begin() as s:
        assert sync_team_members(s, people) == 2
        assert sync_team_members(s, people) == 0
        assert s.scalar(select(func.count()).select_from(TeamMember)) == 2
    StoreFlagSink(sessions, people).receive([make_flag(5, OTHER, tier=Tier.SECONDARY)])
    with sessions.begin() as s:
        assert [f.person_id for f in queue.welfare_list(s, user=get_user(s, "lm"))] == [OTHER]


def test_warehouse_flags_round_trip(tmp_path: Path, make_flag: Any) -> None:
    ws = Workspace(tmp_path)
    flags = [make_flag(1), make_flag(2, tier=Tier.SECONDARY)]
    write_flags(ws, flags, [])
    assert warehouse_flags(ws) == flags


def test_welfare_list_puts_several_indicators_first(
    sessions: sessionmaker[Session], make_flag: Any, users: dict[str, int]
) -> None:
    people = {
        SUBJECT: PersonInfo(line_manager_id="P-MMMMMMMMMMMM"),
        OTHER: PersonInfo(line_manager_id="P-MMMMMMMMMMMM"),
    }
    StoreFlagSink(sessions, people).receive(
        [
            make_flag(11, SUBJECT, tier=Tier.SECONDARY, rule="long_shifts"),
            make_flag(12, OTHER, tier=Tier.SECONDARY, rule="long_shifts"),
            make_flag(13, OTHER, tier=Tier.SECONDARY, rule="no_annual_leave"),
        ]
    )
    with sessions.begin() as s:
        listed = [f.person_id for f in queue.welfare_list(s, user=get_user(s, "lm"))]
    assert listed == [OTHER, OTHER, SUBJECT]
