"""Registers: the declared sources, metrics and rules (with mode) anyone may read."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import REGISTERS_READ, RULES_READ
from integritas.access.models import User
from integritas.web.deps import NavItem, app_state, check, current_user, db, may, render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["registers"])
NAV = [NavItem("Registers", "/registers", (REGISTERS_READ.name,), order=60)]


class SourceEntry(BaseModel):
    name: str
    title: str
    system: str
    description: str
    purposes: list[str]
    lawful_basis: str
    categories: list[str]
    retention_days: int
    person_level: bool
    active: bool


class MetricEntry(BaseModel):
    name: str
    version: int
    tier: str
    subject: str
    period: str
    purpose: str
    family: str
    owner: str
    description: str


class RuleEntry(BaseModel):
    name: str
    version: int
    title: str
    tier: str
    mode: str
    severity: str
    metric: str
    owner: str
    scenario: str
    precision: str = ""  # per window, from reviewed outcomes (rules.read only)
    needs_review: bool = False
    fairness: str = "not run"  # passed | failed | not run


class Registers(BaseModel):
    sources: list[SourceEntry]
    metrics: list[MetricEntry]
    rules: list[RuleEntry]
    problems: list[str]  # registers that could not be loaded, and why


def source_entries() -> list[SourceEntry]:
    from integritas.catalog.registry import catalog

    out = []
    for src in catalog().values():
        basis = src.lawful_basis
        legal = "; ".join(x for x in (basis.article6, basis.article9, basis.article10) if x)
        out.append(
            SourceEntry(
                name=src.name,
                title=src.title,
                system=src.system,
                description=src.description,
                purposes=[str(p) for p in src.purposes],
                lawful_basis=legal,
                categories=sorted({str(f.category) for f in src.fields}),
                retention_days=src.retention_days,
                person_level=src.person_field is not None,
                active=src.active,
            )
        )
    return out


def metric_entries() -> list[MetricEntry]:
    from integritas.metrics.registry import load_metrics

    return [
        MetricEntry(
            name=m.spec.name,
            version=m.spec.version,
            tier=str(m.spec.tier),
            subject=str(m.spec.subject),
            period=m.spec.period,
            purpose=str(m.spec.purpose),
            family=m.spec.family,
            owner=m.spec.owner,
            description=m.spec.description,
        )
        for m in sorted(load_metrics(), key=lambda m: (m.spec.family, m.spec.name))
    ]


def rule_entries() -> list[RuleEntry]:
    from integritas.detect.catalogue import load_rules

    return [
        RuleEntry(
            name=r.name,
            version=r.version,
            title=r.title,
            tier=str(r.tier),
            mode=str(r.mode),
            severity=str(r.severity),
            metric=r.metric,
            owner=r.owner,
            scenario=r.scenario,
        )
        for r in load_rules()
    ]


# Precision moves only when outcomes are recorded: recomputed at most this often per process.
HEALTH_TTL_S = 30.0


def _fairness(session: Session) -> dict[tuple[str, int], bool]:
    """Whether each rule version's latest fairness check passed (where fairness is built)."""
    try:
        from integritas.fairness.models import FairnessCheck
    except ModuleNotFoundError:
        return {}
    q = select(FairnessCheck.rule, FairnessCheck.rule_version, FairnessCheck.passed)
    return {(r, v): p for r, v, p in session.execute(q.order_by(FairnessCheck.id))}


def _health(request: Request, session: Session, user: User) -> dict[tuple[str, int], Any]:
    try:
        from integritas.cases.precision import rule_health
    except ModuleNotFoundError:
        return {}
    memo = app_state(request).memo
    hit = memo.get("rule_health")
    if hit is not None and time.monotonic() - hit[0] < HEALTH_TTL_S:
        check(session, user, RULES_READ.name)  # every reader still passes the one check
        health: dict[tuple[str, int], Any] = hit[1]
        return health
    health = {(h.rule, h.rule_version): h for h in rule_health(session, user=user)}
    memo["rule_health"] = (time.monotonic(), health)
    return health


def _rule_status(request: Request, session: Session, user: User, rules: list[RuleEntry]) -> None:
    """Precision (to roles that read rules) and the latest fairness check, where built."""
    fairness = _fairness(session)
    health = _health(request, session, user) if may(user, RULES_READ.name) else {}
    for r in rules:
        passed = fairness.get((r.name, r.version))
        r.fairness = "not run" if passed is None else ("passed" if passed else "failed")
        h = health.get((r.name, r.version))
        if h is not None:
            r.precision = (
                "; ".join(
                    f"{w.days}d {w.precision:.2f} (n={w.confirmed + w.dismissed})"
                    for w in h.windows
                    if w.precision is not None
                )
                or f"no decisions yet ({h.open_flags} open)"
            )
            r.needs_review = h.needs_review


_REGISTERS: list[Registers] = []


def registers() -> Registers:
    """The declared registers (they change only with the code: built once per process)."""
    if _REGISTERS:
        return _REGISTERS[0].model_copy(deep=True)
    problems: list[str] = []
    loaded: dict[str, list[BaseModel]] = {}
    for name, loader in (
        ("sources", source_entries),
        ("metrics", metric_entries),
        ("rules", rule_entries),
    ):
        try:
            loaded[name] = list(loader())
        except Exception as exc:  # one broken register must not hide the others
            log.warning("%s register unavailable: %s", name, exc)
            problems.append(f"{name}: {exc}")
            loaded[name] = []
    built = Registers.model_validate(
        {k: [e.model_dump() for e in v] for k, v in loaded.items()} | {"problems": problems}
    )
    if not problems:
        _REGISTERS.append(built)
    return built.model_copy(deep=True)


def registers_for(request: Request, session: Session, user: User) -> Registers:
    check(session, user, REGISTERS_READ.name)
    reg = registers()
    _rule_status(request, session, user, reg.rules)
    return reg


@router.get("/registers", response_class=HTMLResponse)
def registers_page(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    reg = registers_for(request, session, user)
    return render(
        request, "registers.html", {"reg": reg, "show_precision": may(user, RULES_READ.name)}
    )


@api.get("/registers")
def registers_json(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Registers:
    """The sources, metrics and rules registers (rule precision only for roles reading rules)."""
    return registers_for(request, session, user)
