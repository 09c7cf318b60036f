"""Roles as declared data: what each may do, and over whom (its scope)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from integritas.access.actions import ACTIONS

# any: no person restriction beyond the action's own grant rule; self: only the user's own
# person; team: only people the user line-manages; assigned: only cases assigned to the user.
Scope = Literal["any", "self", "team", "assigned"]


class Role(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    description: str
    may: dict[str, Scope]

    @model_validator(mode="after")
    def _known_actions(self) -> Role:
        unknown = sorted(set(self.may) - set(ACTIONS))
        if unknown:
            raise ValueError(f"role {self.name}: unknown actions {unknown}")
        return self


class DuplicateRole(ValueError):
    pass


_ROLES: dict[str, Role] = {}


def declare_role(name: str, title: str, description: str, may: dict[str, Scope]) -> Role:
    if name in _ROLES:
        raise DuplicateRole(f"role {name!r} is already declared")
    role = Role(name=name, title=title, description=description, may=may)
    _ROLES[name] = role
    return role


def roles() -> MappingProxyType[str, Role]:
    return MappingProxyType(_ROLES)


def role(name: str) -> Role:
    try:
        return _ROLES[name]
    except KeyError:
        raise KeyError(f"unknown role {name!r}; known: {', '.join(_ROLES)}") from None


_SELF: dict[str, Scope] = {"self.read": "self", "self.dispute": "self", "registers.read": "any"}

declare_role(
    "analyst",
    "Analyst",
    "Triages pseudonymised tertiary flags: dismisses with a reason or opens a case. Sees "
    "organisation metrics, rules and linkage pairs. Never sees identity or evidence.",
    {
        "flag.list": "any",
        "flag.triage": "any",
        "case.open": "any",
        "metrics.read_org": "any",
        "rules.read": "any",
        "linkage.review": "any",
        **_SELF,
    },
)
declare_role(
    "investigator",
    "Investigator (reviewer)",
    "Works the cases assigned to them: notes, the subject's account, evidence and identity "
    "only under a live purpose grant, which an unmask request approved by someone else gives.",
    {
        "flag.list": "any",
        "flag.read_evidence": "any",
        "identity.read": "any",
        "case.read": "assigned",
        "case.work": "assigned",
        "unmask.request": "assigned",
        "rules.read": "any",
        **_SELF,
    },
)
declare_role(
    "appropriate_authority",
    "Appropriate authority",
    "Decides case outcomes with written reasons, assigns cases, approves other people's unmask "
    "requests and issues or revokes purpose grants. Evidence and identity still need a grant.",
    {
        "flag.list": "any",
        "flag.triage": "any",
        "flag.read_evidence": "any",
        "identity.read": "any",
        "case.open": "any",
        "case.read": "any",
        "case.assign": "any",
        "case.work": "any",
        "case.outcome": "any",
        "case.read_restricted": "any",
        "unmask.request": "any",
        "unmask.approve": "any",
        "grants.manage": "any",
        "metrics.read_org": "any",
        "rules.read": "any",
        **_SELF,
    },
)
declare_role(
    "line_manager",
    "Line manager",
    "Sees the welfare (secondary) flags of people they line-manage, and no one else's; "
    "unit-level organisation metrics.",
    {"welfare.read_team": "team", "metrics.read_org": "any", **_SELF},
)
declare_role(
    "dpo",
    "Data protection officer",
    "Governance views: grants, every unmask, retention, registers and the audit log; handles "
    "rights requests and retention. No case content or evidence by default.",
    {
        "governance.read": "any",
        "grants.manage": "any",
        "rights.manage": "any",
        "retention.run": "any",
        "audit.read": "any",
        "metrics.read_org": "any",
        "rules.read": "any",
        **_SELF,
    },
)
declare_role(
    "auditor",
    "Auditor",
    "Reads, verifies and exports the audit log and governance registers; nothing else.",
    {"audit.read": "any", "audit.verify": "any", "governance.read": "any", **_SELF},
)
declare_role(
    "staff",
    "Member of staff",
    "Their own data only, through self-service; the public registers.",
    dict(_SELF),
)
declare_role(
    "administrator",
    "Administrator",
    "Manages accounts and settings. No access to person data of any kind, its own included "
    "(an administrator who is also staff uses a separate staff account).",
    {"users.manage": "any", "settings.manage": "any", "registers.read": "any"},
)
