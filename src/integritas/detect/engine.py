"""Evaluate declared rules over ``metric_values`` in DuckDB and build explained flags.

Each rule becomes one SQL query: threshold and peer conditions on the metric's values, a
persistence window over the person's periods, then the rule's context suppressors. Hits that a
suppressor explains away are kept (with the reason) in ``suppressed`` so that a reviewer of the
rule can see what context removed, but they never become flags.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from integritas.detect.models import Direction, EvidenceRow, Flag, Rule
from integritas.detect.registry import SUPPRESSORS, SuppressorRegistry

PersonPeriod = tuple[str, date]


class EvidenceProvider(Protocol):
    """Gives the curated rows behind a metric value (source, batch id, row number)."""

    def evidence(
        self, metric: str, keys: Sequence[PersonPeriod]
    ) -> Mapping[PersonPeriod, list[EvidenceRow]]: ...


class NoEvidence:
    def evidence(
        self, metric: str, keys: Sequence[PersonPeriod]
    ) -> Mapping[PersonPeriod, list[EvidenceRow]]:
        return {}


@dataclass(frozen=True)
class Suppressed:
    person_id: str
    rule: str
    rule_version: int
    period_start: date
    suppressor: str
    reason: str


@dataclass
class RuleOutcome:
    rule: Rule
    flags: list[Flag] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    candidates: int = 0


def flag_id(rule: Rule, person_id: str, period_start: date) -> str:
    raw = f"{rule.name}|{rule.version}|{person_id}|{period_start.isoformat()}"
    return "F-" + hashlib.sha256(raw.encode()).hexdigest()[:16].upper()


def _lit(x: float) -> str:
    return repr(float(x))


def hits_sql(rule: Rule, metric_values: str = "metric_values") -> str:
    """SQL selecting the rule's hits (before suppression) from a metric-values relation."""
    sign = "1" if rule.direction is Direction.ABOVE else "-1"
    conds = ["value IS NOT NULL"]
    if rule.threshold is not None:
        op = ">=" if rule.direction is Direction.ABOVE else "<"
        conds.append(f"value {op} {_lit(rule.threshold)}")
    peer_ok = f"coalesce(peer_n, 0) >= {rule.min_peer_group}"
    if rule.min_robust_z is not None:
        conds.append(f"{peer_ok} AND robust_z >= {_lit(rule.min_robust_z)}")
    if rule.min_percentile is not None:
        pct = (
            f"peer_percentile >= {_lit(rule.min_percentile)}"
            if rule.direction is Direction.ABOVE
            else f"peer_percentile <= {_lit(100 - rule.min_percentile)}"
        )
        conds.append(f"{peer_ok} AND {pct}")
    k, n = (rule.persistence.k, rule.persistence.n) if rule.persistence else (1, 1)
    return f"""
    WITH mv AS (
        SELECT subject_id AS person_id, period_start, period_end, value, peer_group,
               peer_median, peer_mad, peer_n, peer_percentile
        FROM {metric_values}
        WHERE metric = '{rule.metric}' AND subject_type = 'person'
    ),
    band AS (
        SELECT peer_group, period_start,
               quantile_cont(value, 0.1) AS peer_low, quantile_cont(value, 0.9) AS peer_high
        FROM mv WHERE value IS NOT NULL GROUP BY ALL
    ),
    scored AS (
        SELECT mv.*, band.peer_low, band.peer_high,
               {sign} * (value - peer_median)
                 / greatest(1.4826 * coalesce(peer_mad, 0), {_lit(rule.mad_floor)}) AS robust_z
        FROM mv LEFT JOIN band USING (peer_group, period_start)
    ),
    cond AS (
        SELECT *, coalesce({" AND ".join(f"({c})" for c in conds)}, false) AS hit FROM scored
    ),
    persisted AS (
        SELECT *, sum(CASE WHEN hit THEN 1 ELSE 0 END) OVER (
            PARTITION BY person_id ORDER BY period_start
            ROWS BETWEEN {n - 1} PRECEDING AND CURRENT ROW) AS periods_hit
        FROM cond
    )
    SELECT * EXCLUDE (hit) FROM persisted WHERE hit AND periods_hit >= {k}
    ORDER BY person_id, period_start
    """


def _num(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else f


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.{digits}f}"


# ``[singular|plural]`` in a rule's explanation: the form that agrees with the value.
_CHOICE = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")


def inflect(template: str, value: float | None) -> str:
    """Resolve every ``[singular|plural]`` of ``template``: singular when ``value`` is 1."""
    return _CHOICE.sub(lambda m: m.group(1 if value == 1 else 2), template)


def explain(rule: Rule, row: Mapping[str, Any]) -> str:
    """Fill the rule's template; numbers are rounded for people, not machines, and
    ``[singular|plural]`` agrees with the value ("1 overtime claim", "3 overtime claims")."""
    value = _num(row.get("value"))
    values = {
        "value": _fmt(value),
        "threshold": _fmt(rule.threshold),
        "peer_median": _fmt(_num(row.get("peer_median"))),
        "peer_low": _fmt(_num(row.get("peer_low"))),
        "peer_high": _fmt(_num(row.get("peer_high"))),
        "peer_n": str(row.get("peer_n") or 0),
        "robust_z": _fmt(_num(row.get("robust_z"))),
        "percentile": _fmt(_num(row.get("peer_percentile")), 0),
        "periods_hit": str(row.get("periods_hit") or 1),
        "periods_window": str(rule.persistence.n if rule.persistence else 1),
        "period_start": str(row.get("period_start")),
        "period_end": str(row.get("period_end")),
    }
    text = inflect(rule.explanation, value).format(**values)
    if rule.persistence:
        text += f" This held {values['periods_hit']} times {rule.persistence.label}."
    return text


def evaluate_rule(
    con: Any,
    rule: Rule,
    *,
    evidence: EvidenceProvider | None = None,
    suppressors: SuppressorRegistry = SUPPRESSORS,
    metric_values: str = "metric_values",
) -> RuleOutcome:
    """Run one rule. ``con`` is a DuckDB connection where ``metric_values`` and the curated
    views the rule's suppressors read are visible."""
    outcome = RuleOutcome(rule)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rule_hits AS {hits_sql(rule, metric_values)}")
    outcome.candidates = con.execute("SELECT count(*) FROM _rule_hits").fetchone()[0]
    removed: dict[PersonPeriod, tuple[str, str]] = {}
    for name in rule.suppressors:
        sup = suppressors[name]
        for person_id, period_start, reason in con.execute(sup.sql(con, "_rule_hits")).fetchall():
            removed.setdefault((person_id, period_start), (name, reason))
    cur = con.execute("SELECT * FROM _rule_hits ORDER BY person_id, period_start")
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    con.execute("DROP TABLE _rule_hits")
    kept: list[dict[str, Any]] = []
    for raw in rows:
        row = dict(zip(cols, raw, strict=True))
        key = (row["person_id"], row["period_start"])
        if key in removed:
            name, reason = removed[key]
            outcome.suppressed.append(
                Suppressed(row["person_id"], rule.name, rule.version, key[1], name, reason)
            )
        else:
            kept.append(row)
    found = (evidence or NoEvidence()).evidence(
        rule.metric, [(r["person_id"], r["period_start"]) for r in kept]
    )
    for row in kept:
        key = (row["person_id"], row["period_start"])
        outcome.flags.append(
            Flag(
                flag_id=flag_id(rule, row["person_id"], row["period_start"]),
                person_id=row["person_id"],
                rule=rule.name,
                rule_version=rule.version,
                tier=rule.tier,
                severity=rule.severity,
                mode=rule.mode,
                period_start=row["period_start"],
                period_end=row["period_end"],
                metric=rule.metric,
                value=float(row["value"]),
                peer_median=_num(row["peer_median"]),
                peer_mad=_num(row["peer_mad"]),
                peer_n=row["peer_n"],
                peer_low=_num(row["peer_low"]),
                peer_high=_num(row["peer_high"]),
                robust_z=_num(row["robust_z"]),
                percentile=_num(row["peer_percentile"]),
                periods_hit=int(row["periods_hit"]),
                evidence=tuple(found.get(key, [])),
                explanation=explain(rule, row),
                scenario=rule.scenario,
            )
        )
    return outcome


def evaluate_rules(
    con: Any,
    rules: Iterable[Rule],
    *,
    evidence: EvidenceProvider | None = None,
    suppressors: SuppressorRegistry = SUPPRESSORS,
    metric_values: str = "metric_values",
) -> list[RuleOutcome]:
    return [
        evaluate_rule(
            con, r, evidence=evidence, suppressors=suppressors, metric_values=metric_values
        )
        for r in rules
    ]
