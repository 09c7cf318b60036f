from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import PermissionDenied
from integritas.access.users import get_user
from integritas.audit.models import AuditEvent
from integritas.cases.intake import StoreFlagSink
from integritas.cases.models import ReviewFlag
from integritas.cases.queue import CaseError, dismiss_flag, list_queue, welfare_list
from integritas.cases.schemas import QueueFilter
from integritas.detect.flags import hand_off
from integritas.detect.models import Mode, Severity, Tier

SUBJECT = "P-AAAAAAAAAAAA"
OTHER = "P-BBBBBBBBBBBB"
MANAGER = "P-MMMMMMMMMMMM"


def _events(s: Session, action: str) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_sink_is_idempotent_and_takes_live_flags_only(
    sessions: sessionmaker[Session], make_flag: Any, people: Any
) -> None:
    sink = StoreFlagSink(sessions, people)
    flags = [make_flag(1), make_flag(2), make_flag(3, mode=Mode.SHADOW)]
    assert hand_off(flags, sink) == 2
    assert hand_off(flags, sink) == 0
    assert sink.receive(flags) == 0
    with sessions.begin() as s:
        rows = list(s.scalars(select(ReviewFlag)))
        assert {r.flag_id for r in rows} == {flags[0].flag_id, flags[1].flag_id}
        assert {r.unit_id for r in rows} == {"U1"}
        assert json.loads(rows[0].evidence)[0]["source"] == "roster_audit"
        received = _events(s, "flags.received")
        assert len(received) == 1 and SUBJECT in received[0].subjects


def test_welfare_flags_go_to_line_manager_not_queue(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> None:
    sink = StoreFlagSink(sessions, people)
    sink.receive(
        [
            make_flag(1, tier=Tier.SECONDARY, rule="sickness_pattern"),
            make_flag(2, OTHER, tier=Tier.SECONDARY, rule="sickness_pattern"),
            make_flag(3),
        ]
    )
    with sessions.begin() as s:
        page = list_queue(s, user=get_user(s, "analyst"))
        assert [i.tier for i in page.items] == ["tertiary"]
        assert page.total == 1
        mine = welfare_list(s, user=get_user(s, "lm"))
        assert [(i.person_id, i.tier) for i in mine] == [(SUBJECT, "secondary")]
        theirs = welfare_list(s, user=get_user(s, "lm2"))
        assert [i.person_id for i in theirs] == [OTHER]
        ev = _events(s, "welfare.read_team")
        assert [json.loads(e.subjects) for e in ev if e.actor == "lm"] == [[SUBJECT]]
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        welfare_list(s, user=get_user(s, "analyst"))
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        list_queue(s, user=get_user(s, "lm"))


def test_queue_filters_sort_paginate_and_audits_pseudonyms(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> None:
    StoreFlagSink(sessions, people).receive(
        [
            make_flag(1, severity=Severity.LOW),
            make_flag(2, severity=Severity.HIGH),
            make_flag(3, OTHER, rule="overtime_hours", severity=Severity.MEDIUM),
        ]
    )
    with sessions.begin() as s:
        old = s.get(ReviewFlag, make_flag(1).flag_id)
        assert old is not None
        old.received_at -= timedelta(days=10)
    with sessions.begin() as s:
        analyst = get_user(s, "analyst")
        by_sev = list_queue(s, user=analyst, filters=QueueFilter(sort="severity"))
        assert [i.severity for i in by_sev.items] == ["high", "medium", "low"]
        assert list_queue(s, user=analyst, filters=QueueFilter(unit="U2")).total == 1
        assert list_queue(s, user=analyst, filters=QueueFilter(rule="overtime_hours")).total == 1
        assert list_queue(s, user=analyst, filters=QueueFilter(severity="high")).total == 1
        aged = list_queue(s, user=analyst, filters=QueueFilter(min_age_days=5))
        assert [i.age_days for i in aged.items] == [10]
        assert list_queue(s, user=analyst, filters=QueueFilter(max_age_days=5)).total == 2
        p2 = list_queue(
            s,
            user=analyst,
            filters=QueueFilter(sort="value", descending=False, page=2, page_size=2),
        )
        assert p2.total == 3 and [i.value for i in p2.items] == [12.0]
        assert p2.items[0].person_id == OTHER
        reads = _events(s, "flag.list")
        assert json.loads(reads[-1].subjects) == [OTHER]
        assert json.loads(reads[0].subjects) == sorted([SUBJECT, OTHER])


def test_dismiss_with_reason(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> None:
    f = make_flag(1)
    StoreFlagSink(sessions, people).receive([f, make_flag(2, tier=Tier.SECONDARY)])
    with sessions.begin() as s:
        analyst = get_user(s, "analyst")
        with pytest.raises(CaseError, match="unknown dismissal reason"):
            dismiss_flag(s, user=analyst, flag_id=f.flag_id, reason="bored")
        with pytest.raises(CaseError, match="welfare"):
            dismiss_flag(s, user=analyst, flag_id=make_flag(2).flag_id, reason="data_error")
        view = dismiss_flag(
            s, user=analyst, flag_id=f.flag_id, reason="data_error", note="dup feed"
        )
        assert view.status == "dismissed" and view.dismissed_reason == "data_error"
        assert list_queue(s, user=analyst).total == 0
        with pytest.raises(CaseError, match="already dismissed"):
            dismiss_flag(s, user=analyst, flag_id=f.flag_id, reason="duplicate")
        ev = _events(s, "flag.dismissed")
        assert len(ev) == 1 and ev[0].object_id == f.flag_id and ev[0].actor == "analyst"
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        dismiss_flag(s, user=get_user(s, "inv"), flag_id=make_flag(9).flag_id, reason="data_error")
