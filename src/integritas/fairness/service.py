"""`fairness report`: flag rates by group for every rule, adverse impact, and the live gate.

Protected characteristics are read here and nowhere else, and only to count: the report holds
group sizes, flag counts, rates, ratios and p-values, never a person. Groups are the
protected characteristics (sex, ethnicity, disability, religion, age band), working pattern,
rank and sickness status (any sickness absence on record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow.parquet as pq
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from integritas.audit.events import declare_event_type
from integritas.engine import duck
from integritas.fairness.models import FairnessCheck, Justification
from integritas.fairness.stats import DimensionResult, GroupCount, compare
from integritas.ingest.layout import curated_files
from integritas.ingest.readers import sql_literal
from integritas.settings import EngineSettings, Workspace

FAIRNESS_RUN = declare_event_type("fairness.report", "A fairness report was run and recorded.")
FAIRNESS_JUSTIFIED = declare_event_type(
    "fairness.justified", "A documented justification for an adverse impact was recorded."
)
PROTECTED = ("sex", "ethnicity", "disability", "religion", "age_band")
DIMENSIONS = (*PROTECTED, "working_pattern", "rank", "sickness")
NOT_RECORDED = "not recorded"


@dataclass
class FalsePositives:
    dimension: str
    group: str
    reviewed: int
    unfounded: int

    @property
    def share(self) -> float:
        return self.unfounded / self.reviewed if self.reviewed else 0.0


@dataclass
class RuleFairness:
    rule: str
    rule_version: int
    tier: str
    population: int
    flagged: int
    dimensions: list[DimensionResult] = field(default_factory=list)
    false_positives: list[FalsePositives] = field(default_factory=list)
    justified: set[tuple[str, str]] = field(default_factory=set)

    def findings(self) -> list[dict[str, Any]]:
        return [
            {
                "dimension": g.dimension,
                "group": g.group,
                "ratio": round(g.ratio, 4),
                "p_value": g.p_value,
                "justified": (g.dimension, g.group) in self.justified,
            }
            for d in self.dimensions
            for g in d.adverse
        ]

    @property
    def passed(self) -> bool:
        return all(f["justified"] for f in self.findings())


def _files(ws: Workspace, source: str) -> str | None:
    files = curated_files(ws, source)
    if not files:
        return None
    return (
        "read_parquet([" + ", ".join(sql_literal(str(f)) for f in files) + "], union_by_name=true)"
    )


def population(ws: Workspace, con: duckdb.DuckDBPyConnection) -> int:
    """Temp table ``__pop``: one row per person with every grouping dimension."""
    hr = _files(ws, "hr_master")
    if hr is None:
        raise FileNotFoundError("no hr_master data: ingest it before a fairness report")
    pcs = _files(ws, "protected_characteristics")
    absence = _files(ws, "absence")
    pc_sql = (
        f"SELECT person_id, any_value(sex) sex, any_value(ethnicity) ethnicity, "
        f"any_value(disability) disability, any_value(religion) religion, "
        f"any_value(age_band) age_band FROM {pcs} GROUP BY person_id"
        if pcs
        else "SELECT NULL::VARCHAR person_id, NULL::VARCHAR sex, NULL::VARCHAR ethnicity, "
        "NULL::VARCHAR disability, NULL::VARCHAR religion, NULL::VARCHAR age_band WHERE false"
    )
    sick_sql = (
        f"SELECT DISTINCT person_id FROM {absence} WHERE absence_type = 'sickness'"
        if absence
        else "SELECT NULL::VARCHAR person_id WHERE false"
    )
    nr = sql_literal(NOT_RECORDED)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE __pop AS
        WITH hr AS (SELECT person_id, arg_max(working_pattern, _batch_id) working_pattern,
                           arg_max(rank_grade, _batch_id) rank FROM {hr} GROUP BY person_id),
             pc AS ({pc_sql}), sick AS ({sick_sql})
        SELECT hr.person_id,
               {", ".join(f"coalesce(pc.{c}, {nr}) AS {c}" for c in PROTECTED)},
               coalesce(hr.working_pattern, {nr}) AS working_pattern,
               coalesce(hr.rank, {nr}) AS rank,
               CASE WHEN sick.person_id IS NULL THEN 'no sickness absence'
                    ELSE 'sickness absence on record' END AS sickness
        FROM hr LEFT JOIN pc USING (person_id) LEFT JOIN sick USING (person_id)"""
    )
    row = con.execute("SELECT count(*) FROM __pop").fetchone()
    return int(row[0]) if row else 0


def _outcomes(session: Session | None) -> list[tuple[str, str, int, bool]]:
    """(person_id, rule, rule_version, unfounded) for every reviewed flag."""
    if session is None:
        return []
    tables = set(inspect(session.connection()).get_table_names())
    if not {"review_flags", "case_outcomes"} <= tables:
        return []
    rows = session.execute(
        text(
            "SELECT f.person_id, f.rule, f.rule_version, f.status, "
            "(SELECT o.confirms FROM case_outcomes o WHERE o.case_id = f.case_id "
            " ORDER BY o.decided_at DESC, o.id DESC LIMIT 1) AS confirms "
            "FROM review_flags f WHERE f.status = 'dismissed' OR f.case_id IS NOT NULL"
        )
    ).all()
    out: list[tuple[str, str, int, bool]] = []
    for person, rule, version, status, confirms in rows:
        if status == "dismissed":
            out.append((str(person), str(rule), int(version), True))
        elif confirms is not None:
            out.append((str(person), str(rule), int(version), not bool(confirms)))
    return out


def fairness_report(
    ws: Workspace,
    *,
    session: Session | None = None,
    small_cell_k: int | None = None,
) -> list[RuleFairness]:
    """One RuleFairness per (rule, version, tier) in the warehouse flag set."""
    from integritas.detect.flags import flags_path

    k = small_cell_k or EngineSettings().small_cell_k
    con = duck.connect(ws)
    try:
        n_pop = population(ws, con)
        path = flags_path(ws)
        if not path.exists() or pq.read_metadata(path).num_rows == 0:
            return []
        con.execute(
            "CREATE TEMP TABLE __flagged AS SELECT DISTINCT rule, rule_version, tier, person_id "
            f"FROM read_parquet({sql_literal(str(path))})"
        )
        rules = con.execute(
            "SELECT DISTINCT rule, rule_version, tier FROM __flagged ORDER BY ALL"
        ).fetchall()
        reports = []
        reviewed = _outcomes(session)
        for rule, version, tier in rules:
            r = RuleFairness(str(rule), int(version), str(tier), n_pop, 0)
            params = [rule, version, tier]
            for dim in DIMENSIONS:
                rows = con.execute(
                    f"SELECT p.{dim}, count(*), count(f.person_id) FROM __pop p LEFT JOIN "
                    "(SELECT person_id FROM __flagged WHERE rule = ? AND rule_version = ? "
                    "AND tier = ?) f USING (person_id) GROUP BY ALL ORDER BY 1",
                    params,
                ).fetchall()
                counts = [GroupCount(str(g), int(n), int(fl)) for g, n, fl in rows]
                r.flagged = sum(c.flagged for c in counts)
                r.dimensions.append(compare(dim, counts, k))
            mine = [(p, u) for p, ru, v, u in reviewed if ru == rule and v == version]
            if mine:
                r.false_positives = _false_positives(con, mine, k)
            if session is not None:
                r.justified = justified(session, r.rule, r.rule_version)
            reports.append(r)
        return reports
    finally:
        con.close()


def _false_positives(
    con: duckdb.DuckDBPyConnection, reviewed: list[tuple[str, bool]], k: int
) -> list[FalsePositives]:
    import pyarrow as pa

    con.register(
        "__rev",
        pa.table({"person_id": [p for p, _ in reviewed], "unfounded": [u for _, u in reviewed]}),
    )
    out: list[FalsePositives] = []
    for dim in DIMENSIONS:
        rows = con.execute(
            f"SELECT p.{dim}, count(*), count(*) FILTER (WHERE r.unfounded) FROM __rev r "
            "JOIN __pop p USING (person_id) GROUP BY ALL ORDER BY 1"
        ).fetchall()
        out.extend(FalsePositives(dim, str(g), int(n), int(u)) for g, n, u in rows if n >= k)
    con.unregister("__rev")
    return out


def justified(session: Session, rule: str, version: int) -> set[tuple[str, str]]:
    rows = session.scalars(
        select(Justification).where(
            Justification.rule == rule, Justification.rule_version == version
        )
    )
    return {(j.dimension, j.group_value) for j in rows}


def record(session: Session, reports: list[RuleFairness], *, actor: str, role: str) -> None:
    """Store each rule's check (pass/fail with findings) and log that the report ran."""
    from integritas.audit.service import append

    for r in reports:
        session.add(
            FairnessCheck(
                rule=r.rule,
                rule_version=r.rule_version,
                passed=r.passed,
                findings=json.dumps(r.findings()),
                run_by=actor,
            )
        )
    append(
        session,
        actor=actor,
        role=role,
        action=FAIRNESS_RUN.name,
        object_type="fairness_report",
        detail=json.dumps({r.rule: r.passed for r in reports}, sort_keys=True),
    )


def justify(
    session: Session,
    *,
    rule: str,
    rule_version: int,
    dimension: str,
    group: str,
    text_: str,
    actor: str,
    role: str = "dpo",
) -> Justification:
    from integritas.audit.service import append

    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    if len(text_.strip()) < 20:
        raise ValueError("a justification must explain itself (at least 20 characters)")
    j = Justification(
        rule=rule,
        rule_version=rule_version,
        dimension=dimension,
        group_value=group,
        text=text_,
        recorded_by=actor,
    )
    session.add(j)
    session.flush()
    append(
        session,
        actor=actor,
        role=role,
        action=FAIRNESS_JUSTIFIED.name,
        object_type="rule",
        object_id=f"{rule}@v{rule_version}",
        detail=json.dumps({"dimension": dimension, "group": group}),
    )
    return j


def latest_check(session: Session, rule: str, version: int) -> FairnessCheck | None:
    return session.scalars(
        select(FairnessCheck)
        .where(FairnessCheck.rule == rule, FairnessCheck.rule_version == version)
        .order_by(FairnessCheck.id.desc())
        .limit(1)
    ).first()


def gate_problems(session: Session, rule: str, version: int) -> list[str]:
    """Why a rule may not go live on fairness grounds (empty when it may)."""
    check = latest_check(session, rule, version)
    if check is None:
        return [
            f"no fairness check recorded for {rule} v{version}: run `integritas fairness report --record`"
        ]
    ok = justified(session, rule, version)
    out = []
    for f in json.loads(check.findings):
        if (f["dimension"], f["group"]) not in ok:
            out.append(
                f"adverse impact for {f['dimension']}={f['group']} (ratio {f['ratio']:.2f}, "
                f"p={f['p_value']:.3g}) has no recorded justification "
                "(`integritas fairness justify`)"
            )
    return out


def render(reports: list[RuleFairness]) -> str:
    if not reports:
        return "no flags in the warehouse: nothing to audit yet"
    lines = []
    for r in reports:
        verdict = "PASS" if r.passed else "FAIL"
        lines.append(
            f"{r.rule} v{r.rule_version} ({r.tier}): {r.flagged} of {r.population} flagged; {verdict}"
        )
        for d in r.dimensions:
            for g in d.groups:
                mark = " ADVERSE" if g.adverse else ""
                lines.append(
                    f"  {d.dimension:<16} {g.group:<28} n={g.n:<6} flagged={g.flagged:<5} "
                    f"rate={g.rate:.3f} ratio={g.ratio:.2f} p={g.p_value:.3g}{mark}"
                )
            if d.suppressed_groups:
                lines.append(f"  {d.dimension:<16} {d.suppressed_groups} small groups not shown")
        for fp in r.false_positives:
            lines.append(
                f"  false positives {fp.dimension}={fp.group}: {fp.unfounded} of {fp.reviewed} "
                f"reviewed ({fp.share:.0%})"
            )
    return "\n".join(lines)
