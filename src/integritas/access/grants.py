"""Purpose grants: one user, one person, one purpose, one case, until a date."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.authz import require
from integritas.access.models import PurposeGrant, User
from integritas.access.settings import AccessSettings
from integritas.access.users import AccessError
from integritas.audit.events import GRANT_CREATED, GRANT_REVOKED
from integritas.audit.service import append
from integritas.store.base import utcnow


class GrantView(BaseModel):
    id: int
    username: str
    person_id: str
    purpose: str
    case_ref: str
    justification: str
    granted_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    live: bool


def _issue(
    session: Session,
    *,
    grantee: User,
    granted_by: User,
    person_id: str,
    purpose: str,
    case_ref: str,
    justification: str,
    expires_at: datetime | None,
) -> PurposeGrant:
    problems = [
        f"{name} is empty"
        for name, value in (
            ("person", person_id),
            ("purpose", purpose),
            ("case reference", case_ref),
            ("justification", justification),
        )
        if not value.strip()
    ]
    now = utcnow()
    expiry = expires_at or now + timedelta(days=AccessSettings().grant_days)
    if expiry <= now:
        problems.append("expiry is in the past")
    if problems:
        raise AccessError("; ".join(problems))
    grant = PurposeGrant(
        user_id=grantee.id,
        person_id=person_id,
        purpose=purpose,
        case_ref=case_ref,
        justification=justification,
        granted_by=granted_by.id,
        created_at=now,
        expires_at=expiry,
    )
    session.add(grant)
    session.flush()
    append(
        session,
        actor=granted_by.username,
        role=granted_by.role,
        action=GRANT_CREATED.name,
        object_type="grant",
        object_id=str(grant.id),
        purpose=purpose,
        grant_id=grant.id,
        subjects=[person_id],
        detail=f"to {grantee.username} for case {case_ref}",
    )
    return grant


def issue_grant(
    session: Session,
    *,
    by: User,
    grantee: User,
    person_id: str,
    purpose: str,
    case_ref: str,
    justification: str,
    expires_at: datetime | None = None,
) -> PurposeGrant:
    """A grant issued directly by someone holding ``grants.manage`` (never to themselves)."""
    require(session, by, "grants.manage")
    if by.id == grantee.id:
        raise AccessError("a grant cannot be issued to oneself")
    return _issue(
        session,
        grantee=grantee,
        granted_by=by,
        person_id=person_id,
        purpose=purpose,
        case_ref=case_ref,
        justification=justification,
        expires_at=expires_at,
    )


def revoke_grant(session: Session, *, grant_id: int, by: User | None, actor: str = "") -> None:
    """Revoke; ``by=None`` is the operator at the command line (audited under ``actor``)."""
    if by is not None:
        require(session, by, "grants.manage")
    grant = session.get(PurposeGrant, grant_id)
    if grant is None:
        raise AccessError(f"no grant {grant_id}")
    if grant.revoked_at is not None:
        raise AccessError(f"grant {grant_id} is already revoked")
    grant.revoked_at = utcnow()
    grant.revoked_by = by.id if by else None
    append(
        session,
        actor=by.username if by else actor or "cli",
        role=by.role if by else "",
        action=GRANT_REVOKED.name,
        object_type="grant",
        object_id=str(grant_id),
        grant_id=grant_id,
        subjects=[grant.person_id],
    )


def list_grants(session: Session, *, live_only: bool = False) -> list[GrantView]:
    now = utcnow()
    users = {u.id: u.username for u in session.scalars(select(User))}
    out = []
    for g in session.scalars(select(PurposeGrant).order_by(PurposeGrant.id)):
        live = g.revoked_at is None and g.expires_at > now
        if live_only and not live:
            continue
        out.append(
            GrantView(
                id=g.id,
                username=users.get(g.user_id, "?"),
                person_id=g.person_id,
                purpose=g.purpose,
                case_ref=g.case_ref,
                justification=g.justification,
                granted_by=users.get(g.granted_by, "?"),
                created_at=g.created_at,
                expires_at=g.expires_at,
                revoked_at=g.revoked_at,
                live=live,
            )
        )
    return out
