"""The demo pipeline: synthetic force -> ingest -> metrics -> linkage -> flags -> cases.

Every stage calls the same service functions as the CLI. A stage whose package is not built
yet is reported as skipped, so the demo always runs the pipeline as far as it exists.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from integritas.settings import Workspace


@dataclass(frozen=True)
class DemoConfig:
    staff: int = 2000
    days: int = 180
    seed: int = 1


@dataclass
class StageResult:
    name: str
    summary: str
    seconds: float
    skipped: bool = False


@dataclass
class DemoReport:
    stages: list[StageResult] = field(default_factory=list)


def built(module: str) -> bool:
    """True when ``module`` exists in this installation (a stage may not be built yet)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def exports_dir(ws: Workspace) -> Path:
    return ws.home / "demo-exports"


def _synth(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate

    out = exports_dir(ws)
    marker = out / "synth.json"
    if marker.exists():
        return f"reusing the synthetic force in {out}"
    report = generate(SynthConfig(staff=cfg.staff, days=cfg.days, seed=cfg.seed), out)
    return f"{cfg.staff} staff x {cfg.days} days: {sum(report.rows.values()):,} rows in {out}"


def _ingest(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.ingest.models import BatchStatus
    from integritas.ingest.service import ingest_path

    report = ingest_path(ws, exports_dir(ws))
    committed = [r for r in report.results if r.status is BatchStatus.COMMITTED]
    no_op = [r for r in report.results if r.status is BatchStatus.NO_OP]
    failed = [r for r in report.results if r.status in (BatchStatus.FAILED, BatchStatus.REJECTED)]
    if failed:
        problems = "; ".join(
            f"{r.file}: {r.status}: {', '.join(r.problems) or r.message}" for r in failed
        )
        raise RuntimeError(f"ingest did not complete: {problems}")
    rows = sum(r.rows_loaded for r in committed)
    dropped = sum(r.rows_dropped_off_duty for r in committed)
    return (
        f"{len(committed)} batches committed ({rows:,} rows; {dropped:,} off-duty pings "
        f"dropped unseen), {len(no_op)} already ingested"
    )


def _database(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.store.migrate import upgrade
    from integritas.store.session import workspace_engine

    st = upgrade(workspace_engine(ws, check=False))
    return f"operational store at migration {st.current}"


def _metrics(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.metrics.runner import run_metrics

    report = run_metrics(ws)
    failed = "; ".join(f"{r.name}: {r.error}" for r in report.failed)
    rows = sum(r.rows for r in report.computed)
    return (
        f"{len(report.computed)} metrics computed ({rows:,} values, {report.start} to "
        f"{report.end}), {len(report.runs) - len(report.computed) - len(report.failed)} "
        f"unchanged" + (f"; FAILED: {failed}" if failed else "")
    )


def _linkage(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.catalog.models import SourceKind
    from integritas.catalog.registry import catalog
    from integritas.linkage.engine import run_linkage

    parts = []
    for name, source in catalog().items():
        if source.kind is not SourceKind.REGISTRY:
            continue
        try:
            result = run_linkage(ws, name)
        except Exception as exc:  # report and go on: the other stages do not depend on it
            first = str(exc).strip().splitlines()[0]
            parts.append(f"{name}: not linked ({type(exc).__name__}: {first})")
        else:
            parts.append(
                f"{name}: {result.above_threshold} candidates above {result.threshold} "
                f"({result.registry_rows:,} registry rows)"
            )
    return "; ".join(parts) + " (candidates await clerical review)"


# The demo's synthetic data protection officer: every sign-off below is recorded under this
# name, so the audit log and the oversight pages show it was the demo, not a person.
DEMO_DPO = "Demo Data-Protection Officer"


def _detect(ws: Workspace, cfg: DemoConfig) -> str:
    from integritas.detect.service import metric_values_path, run_detection
    from integritas.store.session import workspace_sessions
    from integritas.transparency.gate import rule_gate

    if not metric_values_path(ws).exists():
        return "skipped: no metric values yet"
    sessions = workspace_sessions(ws)
    with sessions() as session:
        gate = rule_gate(session)
    sink = None
    if built("integritas.cases.intake"):
        from integritas.cases.intake import StoreFlagSink

        sink = StoreFlagSink.for_workspace(ws, sessions)
    report = run_detection(ws, sink=sink, activated=gate)
    live = report.live()
    tertiary = sum(1 for f in live if f.tier == "tertiary")
    handed = "" if report.handed_off is None else f"; {report.handed_off} new for review"
    held = (
        f"; {len(report.held_in_shadow)} rules held in shadow by the activation gate"
        if report.held_in_shadow
        else ""
    )
    return (
        f"{len(report.flags)} flags ({len(live)} live: {tertiary} possible misconduct, "
        f"{len(live) - tertiary} welfare){handed}; {len(report.suppressed)} explained away "
        f"by context{held}"
    )


def _governance(ws: Workspace, cfg: DemoConfig) -> str:
    """Shadow flags -> fairness check -> DPO sign-off -> activation, for each live rule."""
    from datetime import date

    from integritas.detect.catalogue import load_rules
    from integritas.detect.models import Mode
    from integritas.fairness.service import fairness_report, record
    from integritas.store.session import workspace_sessions
    from integritas.transparency.dpia import Consultation, add_consultation, consultations
    from integritas.transparency.gate import activate, check, is_active, signoff

    if not consultations(ws):
        add_consultation(
            ws,
            Consultation(
                date=date.today().isoformat(),
                body="Demo staff consultation (synthetic)",
                summary="Staff associations and unions reviewed the monitoring notice and the "
                "metric register of the demo force.",
            ),
        )
    sessions = workspace_sessions(ws)
    with sessions.begin() as session:
        record(session, fairness_report(ws, session=session), actor=DEMO_DPO, role="dpo")
    active, held = 0, []
    with sessions.begin() as session:
        for rule in load_rules():
            if rule.mode is not Mode.LIVE:
                continue
            if is_active(session, "rule", rule.name, str(rule.version)):
                active += 1
                continue
            missing = check(ws, session=session, kind="rule", name=rule.name).missing
            if any(m.startswith("no DPO sign-off") for m in missing):
                signoff(
                    ws,
                    session=session,
                    kind="rule",
                    name=rule.name,
                    by=DEMO_DPO,
                    role="dpo",
                    note="demo sign-off on synthetic data",
                )
            result = activate(ws, session=session, kind="rule", name=rule.name, actor=DEMO_DPO)
            if result.allowed:
                active += 1
            else:
                held.append(rule.name)
    why = f"; held in shadow: {', '.join(held)}" if held else ""
    return f"{active} rules live after fairness check and sign-off by the demo DPO{why}"


Stage = tuple[str, str, Callable[[Workspace, DemoConfig], str]]

STAGES: tuple[Stage, ...] = (
    ("synthetic force", "integritas.synth.service", _synth),
    ("ingest", "integritas.ingest.service", _ingest),
    ("operational store", "integritas.store.migrate", _database),
    ("metrics", "integritas.metrics.runner", _metrics),
    ("linkage", "integritas.linkage.engine", _linkage),
    ("detection (shadow until activated)", "integritas.detect.service", _detect),
    ("governance", "integritas.transparency.gate", _governance),
    ("detection", "integritas.detect.service", _detect),
)


def run_pipeline(
    ws: Workspace, cfg: DemoConfig, *, progress: Callable[[StageResult], None] | None = None
) -> DemoReport:
    report = DemoReport()
    for name, module, fn in STAGES:
        started = time.perf_counter()
        if not built(module):
            result = StageResult(name, "not built yet", 0.0, skipped=True)
        else:
            result = StageResult(name, fn(ws, cfg), time.perf_counter() - started)
        report.stages.append(result)
        if progress:
            progress(result)
    return report
