from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from integritas.detect.models import EvidenceRow, Flag, Mode, Severity, Tier
from integritas.store.session import session_factory
from integritas.store.testing import postgres_unavailable, temporary_store

_PG_SKIP: list[str | None] = []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        if not _PG_SKIP:
            _PG_SKIP.append(postgres_unavailable())
        if _PG_SKIP[0]:
            pytest.skip(_PG_SKIP[0])
    return str(request.param)


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    with temporary_store(backend, tmp_path) as eng:
        yield eng


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def make_flag() -> object:
    def make(
        n: int,
        person: str = "P-AAAAAAAAAAAA",
        *,
        rule: str = "roster_self_edits",
        version: int = 1,
        tier: Tier = Tier.TERTIARY,
        severity: Severity = Severity.MEDIUM,
        mode: Mode = Mode.LIVE,
    ) -> Flag:
        start = date(2026, 1, 1) + timedelta(days=7 * n)
        return Flag(
            flag_id=f"F-{rule}-{n:04d}-{person}",
            person_id=person,
            rule=rule,
            rule_version=version,
            tier=tier,
            severity=severity,
            mode=mode,
            period_start=start,
            period_end=start + timedelta(days=6),
            metric="self_edits_per_month",
            value=9.0 + n,
            peer_median=1.0,
            peer_mad=0.5,
            peer_n=30,
            peer_low=0.0,
            peer_high=2.0,
            robust_z=8.0,
            percentile=99.0,
            periods_hit=3,
            evidence=(EvidenceRow(source="roster_audit", batch_id="B1", row_number=n + 1),),
            explanation=f"Edited their own roster {9 + n} times; peers' median is 1.",
            scenario="roster manipulation",
        )

    return make


MANAGER = "P-MMMMMMMMMMMM"
SUBJECT = "P-AAAAAAAAAAAA"
OTHER = "P-BBBBBBBBBBBB"


@pytest.fixture
def people() -> dict[str, object]:
    from integritas.cases.intake import PersonInfo

    return {
        SUBJECT: PersonInfo(unit_id="U1", line_manager_id=MANAGER, staff_type="officer"),
        OTHER: PersonInfo(unit_id="U2", line_manager_id="P-ZZZZZZZZZZZZ", staff_type="staff"),
    }


@pytest.fixture
def users(sessions: sessionmaker[Session]) -> dict[str, int]:
    """analyst, inv (investigator), aa1/aa2 (appropriate authority), lm (line manager of
    SUBJECT), lm2 (another line manager), staff; returns username -> id."""
    from integritas.access.users import add_user

    spec = [
        ("analyst", "analyst", None),
        ("inv", "investigator", None),
        ("inv2", "investigator", None),
        ("aa1", "appropriate_authority", None),
        ("aa2", "appropriate_authority", None),
        ("lm", "line_manager", MANAGER),
        ("lm2", "line_manager", "P-ZZZZZZZZZZZZ"),
        ("staff", "staff", SUBJECT),
    ]
    with sessions.begin() as s:
        return {
            name: add_user(
                s,
                username=name,
                role=role,
                password=None,
                person_id=pid,
                oidc_subject=f"sub-{name}",
            ).id
            for name, role, pid in spec
        }


@pytest.fixture
def case_ref(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> str:
    """A case on SUBJECT holding flags 1 and 2, with flag 3 on OTHER left in the queue."""
    from integritas.access.users import get_user
    from integritas.cases.intake import StoreFlagSink
    from integritas.cases.service import open_case

    StoreFlagSink(sessions, people).receive([make_flag(1), make_flag(2), make_flag(3, OTHER)])
    with sessions.begin() as s:
        c = open_case(
            s,
            user=get_user(s, "analyst"),
            flag_ids=[make_flag(1).flag_id, make_flag(2).flag_id],
            investigator="inv",
        )
        return c.ref
