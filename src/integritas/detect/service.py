"""`detect run`: evaluate every declared rule over the warehouse and write explained flags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from integritas.detect.anomaly import AnomalySettings, score_anomalies
from integritas.detect.catalogue import load_rules
from integritas.detect.engine import EvidenceProvider, RuleOutcome, Suppressed, evaluate_rule
from integritas.detect.flags import FlagSink, hand_off, write_flags
from integritas.detect.models import Flag, Mode, Rule
from integritas.settings import Workspace


@dataclass
class DetectionReport:
    outcomes: list[RuleOutcome] = field(default_factory=list)
    anomalies: list[Flag] = field(default_factory=list)
    handed_off: int | None = None
    held_in_shadow: list[str] = field(default_factory=list)  # live in code, not activated

    @property
    def flags(self) -> list[Flag]:
        return [f for o in self.outcomes for f in o.flags] + self.anomalies

    @property
    def suppressed(self) -> list[Suppressed]:
        return [s for o in self.outcomes for s in o.suppressed]

    def live(self) -> list[Flag]:
        return [f for f in self.flags if f.mode is Mode.LIVE]


def metric_values_path(ws: Workspace) -> Any:
    return ws.home / "derived" / "metric_values.parquet"


def open_analysis(ws: Workspace) -> Any:
    """An in-memory DuckDB connection with metric values and curated views registered."""
    from integritas.engine import duck
    from integritas.ingest.views import refresh_views

    con = duck.connect(ws)
    path = metric_values_path(ws)
    if not path.exists():
        raise FileNotFoundError(
            f"no metric values at {path}: run `integritas metrics run` before `detect run`"
        )
    con.execute(f"CREATE VIEW metric_values AS SELECT * FROM read_parquet('{path}')")
    # Every declared source gets a view, empty and typed where nothing is ingested yet.
    refresh_views(ws, con=con)
    return con


def run_detection(
    ws: Workspace,
    *,
    rules: Sequence[Rule] | None = None,
    evidence: EvidenceProvider | None = None,
    sink: FlagSink | None = None,
    anomaly: AnomalySettings | None = None,
    progress: Callable[[str], None] | None = None,
    activated: Callable[[Rule], bool] | None = None,
) -> DetectionReport:
    """Evaluate rules (default: every declared rule), score anomalies, write flags, hand off.

    ``activated`` is the activation gate: a rule declared live whose current version has not
    passed it is evaluated in shadow (recorded, never handed to review) and named in
    ``held_in_shadow``. Without it (evaluation, tests) the declared mode stands.
    """
    from integritas.detect.evidence import WarehouseEvidence, evidence_path

    con = open_analysis(ws)
    report = DetectionReport()
    if evidence is None:
        evidence = WarehouseEvidence(con, evidence_path(ws))
    try:
        for rule in rules if rules is not None else load_rules():
            if progress:
                progress(rule.name)
            if rule.mode is Mode.LIVE and activated is not None and not activated(rule):
                report.held_in_shadow.append(rule.key)
                rule = rule.model_copy(update={"mode": Mode.SHADOW})
            report.outcomes.append(evaluate_rule(con, rule, evidence=evidence))
        report.anomalies = score_anomalies(con, settings=anomaly)
    finally:
        con.close()
    write_flags(ws, report.flags, report.suppressed)
    if sink is not None:
        report.handed_off = hand_off(report.flags, sink)
    return report
