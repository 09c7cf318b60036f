"""The DPIA content, built from the live catalog, metric and rule registers, roles and policies.

Nothing here is written by hand: change a source, metric, rule, role or retention period and the
next `dpia render` shows it, with the difference from the last published version. Each item's
DPIA fields are checked for completeness; the activation gate refuses incomplete items.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integritas.catalog.models import DataCategory, Source
from integritas.catalog.registry import catalog
from integritas.settings import Workspace

# Risks of the processing and how the system mitigates each, by construction.
RISKS: tuple[tuple[str, str], ...] = (
    (
        "A flag is taken as a finding against a person",
        "Flags are indicators; no outcome without a named reviewer who opened the evidence and "
        "wrote reasons; the subject gives an account before any outcome.",
    ),
    (
        "Staff are identified without need",
        "Pseudonyms at ingest; names only under a purpose grant after a recorded justification "
        "and four-eyes approval.",
    ),
    (
        "Data is kept longer than needed",
        "Retention per source; nightly disposal follows lineage to derived values, flags and "
        "linkage candidates; disposal certificates in the audit log.",
    ),
    (
        "Access is not logged or the log is altered",
        "Every read of person-level data and every write is logged in a hash-chained, "
        "append-only audit log with signed checkpoints and a verify command.",
    ),
    (
        "Rules disadvantage a protected group",
        "Fairness report before a rule goes live: adverse impact ratio with Fisher's exact test; "
        "a significant ratio below 0.8 blocks activation until a justification is recorded.",
    ),
    (
        "Off-duty location tracking",
        "Location is kept only inside duty windows, reduced to a site label; off-duty points are "
        "never stored, only counted.",
    ),
    (
        "Purpose creep",
        "A metric may read only fields whose source declares the metric's purpose; "
        "registration fails otherwise.",
    ),
    (
        "Inaccurate records drive indicators",
        "Disputes exclude the record from metrics and recompute flags; corrections are logged "
        "and people who saw the old value are listed for notification.",
    ),
)


@dataclass
class Consultation:
    date: str
    body: str
    summary: str


def consultations_path(ws: Workspace) -> Path:
    return ws.home / "governance" / "consultations.json"


def consultations(ws: Workspace) -> list[Consultation]:
    path = consultations_path(ws)
    if not path.exists():
        return []
    return [Consultation(**c) for c in json.loads(path.read_text(encoding="utf-8"))]


def add_consultation(ws: Workspace, c: Consultation) -> None:
    from integritas.ingest.layout import atomic_write_text

    for name, value in asdict(c).items():
        if not str(value).strip():
            raise ValueError(f"consultation {name} is empty")
    datetime.strptime(c.date, "%Y-%m-%d")
    items = [asdict(x) for x in consultations(ws)] + [asdict(c)]
    atomic_write_text(consultations_path(ws), json.dumps(items, indent=2))


def source_problems(src: Source) -> list[str]:
    """DPIA fields of a source that are missing."""
    out = list(src.inactive_reasons())
    if not src.purposes:
        out.append("no purpose declared")
    if not src.lawful_basis.article6.strip():
        out.append("no Article 6 lawful basis")
    if not src.owner.strip():
        out.append("no information asset owner")
    if len(src.description.strip()) < 10:
        out.append("no description of the data")
    return out


@dataclass
class Register:
    sources: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    retention: list[dict[str, Any]] = field(default_factory=list)
    consultations: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, str]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # "source:x" -> missing
    load_errors: list[str] = field(default_factory=list)


def _metrics(reg: Register) -> dict[str, Any]:
    try:
        from integritas.metrics.registry import load_metrics

        return {m.name: m for m in load_metrics()}
    except Exception as exc:  # a broken register is reported in the DPIA, not hidden
        reg.load_errors.append(f"metric register could not be loaded: {exc}")
        return {}


def _rules(reg: Register) -> list[Any]:
    try:
        from integritas.detect.catalogue import load_rules

        return load_rules()
    except Exception as exc:
        reg.load_errors.append(f"rule register could not be loaded: {exc}")
        return []


def build(ws: Workspace) -> Register:
    from integritas.access.roles import roles
    from integritas.retention.policies import other_policies, source_policies

    reg = Register()
    cons = consultations(ws)
    reg.consultations = [asdict(c) for c in cons]
    reg.risks = [{"risk": r, "mitigation": m} for r, m in RISKS]
    clocks = {p.source: p for p in source_policies()}
    for name, src in catalog().items():
        cats = sorted({f.category.value for f in src.fields})
        reg.sources.append(
            {
                "name": name,
                "title": src.title,
                "system": src.system,
                "description": src.description,
                "grain": src.grain,
                "owner": src.owner,
                "categories": cats,
                "special": DataCategory.SPECIAL_CATEGORY.value in cats,
                "purposes": [p.value for p in src.purposes],
                "article6": src.lawful_basis.article6,
                "article9": src.lawful_basis.article9 or "",
                "article10": src.lawful_basis.article10 or "",
                "proportionality": src.proportionality.model_dump(),
                "retention_days": src.retention_days,
                "retention_clock": clocks[name].clock,
                "fields": [(f.name, f.category.value, f.handling.value) for f in src.fields],
            }
        )
        problems = source_problems(src)
        if not cons:
            problems.append("no consultation recorded (`integritas dpia consult`)")
        reg.problems[f"source:{name}"] = problems
    metrics = _metrics(reg)
    for m in metrics.values():
        s = m.spec
        reg.metrics.append(
            {
                "name": s.name,
                "version": s.version,
                "tier": str(s.tier),
                "subject": str(s.subject),
                "period": s.period,
                "purpose": str(s.purpose),
                "reads": list(s.reads),
                "owner": s.owner,
                "family": s.family,
                "description": s.description,
                "explanation": s.explanation,
                "unit": s.unit,
                "definition": s.definition,
            }
        )
        problems = [] if s.definition.strip() else ["no plain-language definition"]
        for src_name in sorted({r.split(".", 1)[0] for r in s.reads}):
            if reg.problems.get(f"source:{src_name}"):
                problems.append(f"reads source {src_name}, whose DPIA is incomplete")
        reg.problems[f"metric:{s.name}"] = problems
    for r in _rules(reg):
        reg.rules.append(
            {
                "name": r.name,
                "version": r.version,
                "title": r.title,
                "owner": r.owner,
                "tier": str(r.tier),
                "mode": str(r.mode),
                "metric": r.metric,
                "scenario": r.scenario,
                "rationale": r.rationale,
                "explanation": r.explanation,
            }
        )
        problems = []
        if r.metric not in metrics:
            problems.append(f"its metric {r.metric!r} is not in the metric register")
        elif reg.problems.get(f"metric:{r.metric}"):
            problems.append(f"its metric {r.metric} has an incomplete DPIA")
        if len(r.rationale.strip()) < 10:
            problems.append("no rationale (why the indicator is proportionate)")
        reg.problems[f"rule:{r.name}"] = problems
    for role in roles().values():
        reg.roles.append(
            {
                "name": role.name,
                "title": role.title,
                "description": role.description,
                "may": sorted(role.may),
            }
        )
    for p in source_policies():
        reg.retention.append(
            {
                "what": f"source {p.source}",
                "period": f"{p.retention_days} days",
                "clock": p.clock,
                "disposal": "deleted with everything derived",
            }
        )
    for o in other_policies():
        reg.retention.append(
            {"what": o.what, "period": o.days, "clock": "", "disposal": o.disposal}
        )
    return reg


def item_version(reg: Register, kind: str, name: str) -> str:
    """The version a sign-off binds to: a metric's or rule's version, a source's content hash."""
    import hashlib

    rows = {"source": reg.sources, "metric": reg.metrics, "rule": reg.rules}[kind]
    for row in rows:
        if row["name"] == name:
            if kind == "source":
                body = json.dumps(row, sort_keys=True, default=str).encode()
                return hashlib.sha256(body).hexdigest()[:12]
            return str(row["version"])
    raise KeyError(f"no {kind} named {name!r} in the registers")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
