"""The activation gate: nothing goes live without a complete DPIA, a named DPO sign-off and,
for rules, a passed (or justified) fairness check. A refusal lists every missing thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.audit.events import declare_event_type
from integritas.settings import Workspace
from integritas.transparency.dpia import Register, build, item_version
from integritas.transparency.models import Activation, SignOff

KINDS = ("source", "metric", "rule")
SIGNED_OFF = declare_event_type("governance.signoff", "A DPO signed off an item's DPIA.")
ACTIVATED = declare_event_type("governance.activated", "An item passed the gate and went live.")
REFUSED = declare_event_type("governance.activation_refused", "The activation gate refused.")


class GateError(ValueError):
    """A sign-off or activation request that names nothing real or is not allowed."""


@dataclass
class GateResult:
    kind: str
    name: str
    version: str
    missing: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.missing


def _check_kind(reg: Register, kind: str, name: str) -> str:
    if kind not in KINDS:
        raise GateError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    try:
        return item_version(reg, kind, name)
    except KeyError as exc:
        raise GateError(str(exc.args[0])) from None


def signoff(
    ws: Workspace, *, session: Session, kind: str, name: str, by: str, role: str, note: str = ""
) -> SignOff:
    """Record a named DPO's sign-off of the item as it is now (its version)."""
    from integritas.audit.service import append

    if role != "dpo":
        raise GateError(f"only the data protection officer signs off, not role {role!r}")
    if len(by.strip().split()) < 2:
        raise GateError("a sign-off needs the DPO's full name (given name and surname)")
    version = _check_kind(build(ws), kind, name)
    s = SignOff(
        item_type=kind,
        item_name=name,
        item_version=version,
        signed_by=by.strip(),
        role=role,
        note=note,
    )
    session.add(s)
    session.flush()
    append(
        session,
        actor=by.strip(),
        role=role,
        action=SIGNED_OFF.name,
        object_type=kind,
        object_id=f"{name}@{version}",
        detail=note,
    )
    return s


def check(ws: Workspace, *, session: Session, kind: str, name: str) -> GateResult:
    """Everything that stops ``kind name`` going live now."""
    reg = build(ws)
    version = _check_kind(reg, kind, name)
    result = GateResult(kind, name, version)
    for problem in reg.problems.get(f"{kind}:{name}", []):
        result.missing.append(f"DPIA incomplete: {problem}")
    signed = session.scalars(
        select(SignOff).where(
            SignOff.item_type == kind, SignOff.item_name == name, SignOff.item_version == version
        )
    ).first()
    if signed is None:
        result.missing.append(
            f"no DPO sign-off recorded for {kind} {name} version {version} "
            f"(`integritas signoff {kind} {name} --by 'Full Name'`)"
        )
    if kind == "rule":
        from integritas.fairness.service import gate_problems

        result.missing += [f"fairness: {p}" for p in gate_problems(session, name, int(version))]
    return result


def activate(
    ws: Workspace, *, session: Session, kind: str, name: str, actor: str, role: str = "dpo"
) -> GateResult:
    """Record the activation when the gate allows it; log the refusal (and why) otherwise."""
    from integritas.audit.service import append

    result = check(ws, session=session, kind=kind, name=name)
    if not result.allowed:
        append(
            session,
            actor=actor,
            role=role,
            action=REFUSED.name,
            outcome="denied",
            object_type=kind,
            object_id=f"{name}@{result.version}",
            detail="; ".join(result.missing),
        )
        return result
    session.add(
        Activation(item_type=kind, item_name=name, item_version=result.version, activated_by=actor)
    )
    append(
        session,
        actor=actor,
        role=role,
        action=ACTIVATED.name,
        object_type=kind,
        object_id=f"{name}@{result.version}",
    )
    return result


def is_active(session: Session, kind: str, name: str, version: str) -> bool:
    """Whether ``kind name`` at ``version`` passed the gate and is not suspended."""
    row = session.scalars(
        select(Activation).where(
            Activation.item_type == kind,
            Activation.item_name == name,
            Activation.item_version == version,
            Activation.suspended_at.is_(None),
        )
    ).first()
    return row is not None


def rule_gate(session: Session) -> Callable[[Any], bool]:
    """For detection: whether a rule's current version passed the gate and is not suspended."""
    active = {
        (a.item_name, a.item_version)
        for a in session.scalars(
            select(Activation).where(
                Activation.item_type == "rule", Activation.suspended_at.is_(None)
            )
        )
    }
    return lambda rule: (rule.name, str(rule.version)) in active
