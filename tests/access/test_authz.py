"""Every role x every action, in scope and out of scope. The expected table is written out
here by hand so that a change to roles.py must be matched by a deliberate change here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.actions import ACTIONS
from integritas.access.authz import authorize, register_assignment_check
from integritas.access.models import PurposeGrant, TeamMember, User
from integritas.access.roles import roles
from integritas.audit.models import AuditEvent
from integritas.store.base import utcnow

SELF = {"self.read", "self.dispute", "registers.read"}
EXPECTED: dict[str, set[str]] = {
    "analyst": {
        "flag.list",
        "flag.triage",
        "case.open",
        "metrics.read_org",
        "rules.read",
        "linkage.review",
    }
    | SELF,
    "investigator": {
        "flag.list",
        "flag.read_evidence",
        "identity.read",
        "case.read",
        "case.work",
        "unmask.request",
        "rules.read",
    }
    | SELF,
    "appropriate_authority": {
        "flag.list",
        "flag.triage",
        "flag.read_evidence",
        "identity.read",
        "case.open",
        "case.read",
        "case.assign",
        "case.work",
        "case.outcome",
        "case.read_restricted",
        "unmask.request",
        "unmask.approve",
        "grants.manage",
        "metrics.read_org",
        "rules.read",
    }
    | SELF,
    "line_manager": {"welfare.read_team", "metrics.read_org"} | SELF,
    "dpo": {
        "governance.read",
        "grants.manage",
        "rights.manage",
        "retention.run",
        "audit.read",
        "metrics.read_org",
        "rules.read",
    }
    | SELF,
    "auditor": {"audit.read", "audit.verify", "governance.read"} | SELF,
    "staff": set(SELF),
    "administrator": {"users.manage", "settings.manage", "registers.read"},
}
ME, MATE, STRANGER, SUBJECT = "P-ME", "P-MATE", "P-STRANGER", "P-SUBJECT"

register_assignment_check(lambda _s, _u, case_ref: case_ref == "C-ASSIGNED")


def in_scope(action: str) -> dict[str, str]:
    """Arguments that satisfy every scope and grant rule for ``action``."""
    if action.startswith("self."):
        return {"person_id": ME}
    if action == "welfare.read_team":
        return {"person_id": MATE}
    if ACTIONS[action].needs_grant:
        return {"person_id": SUBJECT}
    return {"person_id": SUBJECT, "case_ref": "C-ASSIGNED"}


def make_user(s: Session, role: str, *, active: bool = True) -> User:
    u = User(
        username=f"{role}-{active}",
        role=role,
        person_id=ME,
        active=active,
        failed_logins=0,
        display_name=role,
    )
    s.add(u)
    s.flush()
    s.add(
        PurposeGrant(
            user_id=u.id,
            person_id=SUBJECT,
            purpose="misconduct_investigation",
            case_ref="C-ASSIGNED",
            justification="test",
            granted_by=u.id,
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    return u


def test_table_covers_every_declared_role_and_action() -> None:
    assert set(EXPECTED) == set(roles())
    assert set().union(*EXPECTED.values()) <= set(ACTIONS)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_every_role_against_every_action(sessions: sessionmaker[Session], role: str) -> None:
    with sessions.begin() as s:
        s.add(TeamMember(manager_person_id=ME, person_id=MATE))
        user = make_user(s, role)
        got = {a for a in ACTIONS if authorize(s, user, a, **in_scope(a)).allowed}
        assert got == EXPECTED[role], (
            f"{role}: extra {got - EXPECTED[role]}, missing {EXPECTED[role] - got}"
        )
        denied = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.outcome == "denied", AuditEvent.actor == user.username)
        )
        assert denied == len(ACTIONS) - len(EXPECTED[role])  # every denial was audited


OUT_OF_SCOPE = [
    ("self.read", {"person_id": STRANGER}),
    ("self.dispute", {"person_id": STRANGER}),
    ("welfare.read_team", {"person_id": STRANGER}),
    ("flag.read_evidence", {"person_id": STRANGER}),
    ("identity.read", {"person_id": STRANGER}),
    ("identity.read", {"person_id": SUBJECT, "purpose": "another_purpose"}),
    ("case.work", {"person_id": SUBJECT, "case_ref": "C-OTHER"}),
    ("case.read", {"person_id": SUBJECT}),
]


@pytest.mark.parametrize(("action", "kwargs"), OUT_OF_SCOPE)
def test_out_of_scope_is_denied_for_every_role(
    sessions: sessionmaker[Session], action: str, kwargs: dict[str, str]
) -> None:
    with sessions.begin() as s:
        s.add(TeamMember(manager_person_id=ME, person_id=MATE))
        for role in EXPECTED:
            user = make_user(s, role)
            allowed = authorize(s, user, action, **kwargs).allowed  # type: ignore[arg-type]
            # Only the appropriate authority reads and works any case, assigned or not.
            expect = role == "appropriate_authority" and action.startswith("case.")
            assert allowed == expect, (role, action, kwargs)


def test_administrator_cannot_read_evidence_even_with_a_grant(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        admin = make_user(s, "administrator")
        d = authorize(s, admin, "flag.read_evidence", person_id=SUBJECT)
        assert not d.allowed and "may not" in d.reason
        assert not authorize(s, admin, "self.read", person_id=ME).allowed


def test_line_manager_sees_own_team_only(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        s.add(TeamMember(manager_person_id=ME, person_id=MATE))
        s.add(TeamMember(manager_person_id="P-OTHER-MANAGER", person_id=STRANGER))
        lm = make_user(s, "line_manager")
        assert authorize(s, lm, "welfare.read_team", person_id=MATE).allowed
        assert not authorize(s, lm, "welfare.read_team", person_id=STRANGER).allowed
        assert not authorize(s, lm, "welfare.read_team").allowed


def test_disabled_user_and_unknown_action_are_denied(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        off = make_user(s, "appropriate_authority", active=False)
        assert not authorize(s, off, "case.open").allowed
        on = make_user(s, "appropriate_authority")
        d = authorize(s, on, "flag.delete_everything")
        assert not d.allowed and d.reason == "undeclared action"
        assert not authorize(s, None, "registers.read").allowed


def test_expired_and_revoked_grants_do_not_count(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        u = User(
            username="inv", role="investigator", active=True, failed_logins=0, display_name="inv"
        )
        s.add(u)
        s.flush()
        g = PurposeGrant(
            user_id=u.id,
            person_id=SUBJECT,
            purpose="p",
            case_ref="C",
            justification="j",
            granted_by=u.id,
            expires_at=utcnow() + timedelta(hours=1),
        )
        s.add(g)
        s.flush()
        assert authorize(s, u, "identity.read", person_id=SUBJECT).grant_id == g.id
        later = utcnow() + timedelta(hours=2)
        assert not authorize(s, u, "identity.read", person_id=SUBJECT, now=later).allowed
        g.revoked_at = utcnow()
        assert not authorize(s, u, "identity.read", person_id=SUBJECT).allowed
