from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.authz import PermissionDenied, register_assignment_check
from integritas.access.grants import issue_grant, list_grants, revoke_grant
from integritas.access.identity import IdentityNotFound, lookup_identity
from integritas.access.unmask import decide_unmask, request_unmask, reveal_identity
from integritas.access.users import AccessError, add_user
from integritas.audit.models import AuditEvent
from integritas.ingest.layout import write_manifest
from integritas.settings import Workspace

register_assignment_check(lambda _s, _u, case_ref: case_ref == "CASE-1")


def vault(tmp_path: Path) -> Workspace:
    ws = Workspace.from_settings(tmp_path / "home")
    for batch, name in (("b1", "Smyth"), ("b2", "Smith")):  # the later batch wins
        path = ws.vault / "hr_master" / f"{batch}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            pa.table(
                {
                    "person_id": ["PSN-1", "PSN-2"],
                    "staff_number": ["S100", "S200"],
                    "forename": ["Ann", "Bob"],
                    "surname": [name, "Jones"],
                    "_batch_id": [batch, batch],
                    "_row_number": [1, 2],
                }
            ),
            path,
        )
        write_manifest(
            ws,
            {
                "batch_id": batch,
                "source": "hr_master",
                "status": "committed",
                "committed_at": f"2026-01-0{batch[1]}",
                "vault_files": [str(path.relative_to(ws.home))],
            },
        )
    return ws


def test_lookup_identity_reads_the_vault(tmp_path: Path) -> None:
    ws = vault(tmp_path)
    ident = lookup_identity(ws, "PSN-1")
    assert (ident.staff_number, ident.forename, ident.surname) == ("S100", "Ann", "Smith")
    with pytest.raises(IdentityNotFound, match="PSN-9"):
        lookup_identity(ws, "PSN-9")


def people(s: Session) -> tuple:
    pw = "long enough password"
    inv = add_user(s, username="inv", role="investigator", password=pw)
    aa1 = add_user(s, username="aa1", role="appropriate_authority", password=pw)
    aa2 = add_user(s, username="aa2", role="appropriate_authority", password=pw)
    analyst = add_user(s, username="an", role="analyst", password=pw)
    return inv, aa1, aa2, analyst


def test_four_eyes_unmask_then_audited_reveal(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    ws = vault(tmp_path)
    with sessions.begin() as s:
        inv, aa1, aa2, analyst = people(s)
        with pytest.raises(PermissionDenied):  # no grant yet
            reveal_identity(s, ws, user=inv, person_id="PSN-1")
        with pytest.raises(PermissionDenied):  # case not assigned to the investigator
            request_unmask(s, user=inv, person_id="PSN-1", case_ref="CASE-2", justification="x")
        req = request_unmask(
            s,
            user=inv,
            person_id="PSN-1",
            case_ref="CASE-1",
            justification="evidence shows overlap",
        )
        with pytest.raises(PermissionDenied):  # analyst lacks unmask.approve
            decide_unmask(s, approver=analyst, request_id=req.id, approve=True)
        # The requester cannot approve, even when they hold the authority themselves.
        own = request_unmask(
            s, user=aa1, person_id="PSN-2", case_ref="CASE-9", justification="needs identity"
        )
        with pytest.raises(PermissionDenied, match="four eyes"):
            decide_unmask(s, approver=aa1, request_id=own.id, approve=True)
        done = decide_unmask(s, approver=aa2, request_id=req.id, approve=True, reason="ok")
        assert done.status == "approved" and done.grant_id is not None
        with pytest.raises(AccessError, match="already approved"):
            decide_unmask(s, approver=aa1, request_id=req.id, approve=True)
        ident = reveal_identity(s, ws, user=inv, person_id="PSN-1")
        assert ident.staff_number == "S100"
        with pytest.raises(PermissionDenied):  # the grant is for PSN-1 only
            reveal_identity(s, ws, user=inv, person_id="PSN-2")
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    performed = [e for e in events if e.action == "unmask.performed"]
    assert len(performed) == 1 and performed[0].subjects == '["PSN-1"]'
    assert performed[0].grant_id == str(done.grant_id)
    denied = [e for e in events if e.outcome == "denied"]
    assert {e.action for e in denied} >= {"identity.read", "unmask.request", "unmask.approve"}


def test_only_tertiary_unmasks(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        inv, *_ = people(s)
        with pytest.raises(AccessError, match="tertiary"):
            request_unmask(
                s, user=inv, person_id="P", case_ref="CASE-1", justification="x", tier="secondary"
            )


def test_grants_issue_list_revoke(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        inv, aa1, _aa2, analyst = people(s)
        with pytest.raises(PermissionDenied):
            issue_grant(
                s,
                by=analyst,
                grantee=inv,
                person_id="P",
                purpose="p",
                case_ref="C",
                justification="j",
            )
        with pytest.raises(AccessError, match="oneself"):
            issue_grant(
                s, by=aa1, grantee=aa1, person_id="P", purpose="p", case_ref="C", justification="j"
            )
        with pytest.raises(AccessError) as err:
            issue_grant(
                s, by=aa1, grantee=inv, person_id="", purpose="", case_ref="C", justification=""
            )
        assert "person is empty" in str(err.value) and "justification is empty" in str(err.value)
        g = issue_grant(
            s, by=aa1, grantee=inv, person_id="P", purpose="p", case_ref="C", justification="j"
        )
        assert [v.live for v in list_grants(s)] == [True]
        revoke_grant(s, grant_id=g.id, by=aa1)
        assert list_grants(s, live_only=True) == []
        with pytest.raises(AccessError, match="already revoked"):
            revoke_grant(s, grant_id=g.id, by=None, actor="cli")


def test_every_unmask_is_listed_for_the_dpo(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from integritas.access.unmask import unmask_register

    ws = vault(tmp_path)
    with sessions.begin() as s:
        inv, aa1, aa2, analyst = people(s)
        dpo = add_user(s, username="dpo", role="dpo", password="long enough password")
        admin = add_user(s, username="adm", role="administrator", password="long enough password")
        req = request_unmask(
            s, user=inv, person_id="PSN-1", case_ref="CASE-1", justification="overlap"
        )
        refused = request_unmask(
            s, user=aa1, person_id="PSN-2", case_ref="CASE-9", justification="thin"
        )
        decide_unmask(s, approver=aa2, request_id=req.id, approve=True)
        decide_unmask(s, approver=aa2, request_id=refused.id, approve=False, reason="no")
        reveal_identity(s, ws, user=inv, person_id="PSN-1")
        reveal_identity(s, ws, user=inv, person_id="PSN-1")
        for outsider in (analyst, admin, inv):
            with pytest.raises(PermissionDenied):
                unmask_register(s, user=outsider)
        entries = unmask_register(s, user=dpo)
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    by_id = {e.request_id: e for e in entries}
    assert set(by_id) == {req.id, refused.id}
    done = by_id[req.id]
    assert (done.requester, done.decided_by, done.status) == ("inv", "aa2", "approved")
    assert len(done.revealed_at) == 2 and done.justification == "overlap"
    assert by_id[refused.id].status == "refused" and by_id[refused.id].revealed_at == []
    listing = [e for e in events if e.actor == "dpo" and e.action == "governance.read"]
    assert len(listing) == 1 and listing[0].subjects == '["PSN-1","PSN-2"]'
    assert len(listing[0].digest) == 64
    denied = [e for e in events if e.action == "governance.read" and e.outcome == "denied"]
    assert {e.actor for e in denied} == {"an", "adm", "inv"}
