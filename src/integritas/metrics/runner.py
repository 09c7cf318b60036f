"""Run the metric register over a workspace and write ``metric_values`` / ``metric_evidence``.

The metric expressions run on the chosen engine (DuckDB or PySpark); their per-subject
results come back as Arrow and are finished in DuckDB (periods, zero-fill, peer statistics,
small-cell suppression, lineage), then merged into the derived Parquet files, replacing only
the periods that were recomputed. Each metric's query is built and compiled by Ibis once and
then kept (:mod:`integritas.metrics.compiled`): later runs over the same window skip Ibis.

Zero-fill: for person count metrics, "no events" means 0 for everyone in post that period
(it matters for peer statistics). A family module may declare ``ZERO_FILL = frozenset({...})``
naming exactly its zero-filled metrics; without one, a person metric is zero-filled when its
``unit`` is a count (not a %, ratio, rate per period or points; see ``zero_filled``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from integritas.engine.backends import DuckDBEngine, Engine, EngineName, open_engine
from integritas.metrics import incremental
from integritas.metrics.compiled import QueryCache
from integritas.metrics.context import MetricContext
from integritas.metrics.model import Subject
from integritas.metrics.peers import fetch_arrow, finalise
from integritas.metrics.registry import Metric, MetricFn, load_metrics
from integritas.metrics.values import (
    EVIDENCE_SCHEMA,
    VALUES_SCHEMA,
    evidence_path,
    read_evidence,
    read_values,
    values_path,
    write_atomic,
)
from integritas.settings import EngineSettings, Workspace

Progress = Callable[[str, int, int], None]


class MetricRunError(RuntimeError):
    """The run could not start (bad window, unknown metric name, engine unavailable)."""


@dataclass
class MetricRun:
    name: str
    version: int
    status: str  # computed | unchanged | failed
    reason: str
    windows: tuple[tuple[date, date], ...] = ()
    rows: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class RunReport:
    engine: str
    start: date
    end: date
    runs: list[MetricRun] = field(default_factory=list)
    seconds: float = 0.0
    compiled_hits: int = 0  # queries run from cached compiled SQL
    compiled_misses: int = 0  # queries built and compiled with Ibis

    @property
    def computed(self) -> list[MetricRun]:
        return [r for r in self.runs if r.status == "computed"]

    @property
    def failed(self) -> list[MetricRun]:
        return [r for r in self.runs if r.status == "failed"]

    def summary(self) -> list[str]:
        lines = [f"window {self.start} .. {self.end} on {self.engine}, {self.seconds:.1f} s"]
        if not self.computed and not self.failed:
            lines.append("nothing to recompute: no new batches since the last run")
            return lines
        for r in self.runs:
            if r.status == "computed":
                spans = ", ".join(f"{a}..{b}" for a, b in r.windows)
                lines.append(f"{r.name}@v{r.version}: {r.rows} rows for {spans} ({r.reason})")
            elif r.status == "failed":
                lines.append(f"{r.name}@v{r.version}: FAILED: {r.error}")
        unchanged = len(self.runs) - len(self.computed) - len(self.failed)
        if unchanged:
            lines.append(f"{unchanged} metric(s) unchanged (no new batches)")
        return lines


_NOT_COUNTS = ("%", "/", "ratio", "pp", "points", "score", "rate", "average", "mean")


def zero_filled(m: Metric) -> bool:
    """Whether people in post with no row get 0 (person metrics only)."""
    if m.spec.subject is not Subject.PERSON:
        return False
    module = sys.modules.get(getattr(m.compute, "__module__", ""), None)
    declared = getattr(module, "ZERO_FILL", None)
    if declared is not None:
        return m.spec.name in declared
    unit = m.spec.unit.lower()
    return not any(word in unit for word in _NOT_COUNTS)


def default_window(engine: Engine) -> tuple[date, date]:
    """From the first day of the month of the earliest rostered duty to the latest one."""
    d = engine.backend.table("duty_roster")
    row = engine.to_arrow(d.aggregate(lo=d.shift_date.min(), hi=d.shift_date.max())).to_pylist()
    lo, hi = (row[0]["lo"], row[0]["hi"]) if row else (None, None)
    if lo is None or hi is None:
        today = datetime.now(UTC).date()
        return date(today.year, today.month, 1), today
    return date(lo.year, lo.month, 1), hi


def _select(names: Iterable[str] | None, metrics: list[Metric]) -> list[Metric]:
    if not names:
        return metrics
    wanted = list(names)
    known = {m.name for m in metrics}
    missing = [n for n in wanted if n not in known]
    if missing:
        raise MetricRunError(
            f"no metric named {', '.join(missing)} (see `integritas metrics list`)"
        )
    return [m for m in metrics if m.name in wanted]


def _raw_expr(m: Metric, ctx: MetricContext) -> ir.Table:
    expr = m.compute(ctx)
    cols = {
        "subject_id": expr.subject_id.cast("string"),
        "period_start": expr.period_start.cast("date"),
        "value": expr.value.cast("float64"),
    }
    if m.spec.subject is Subject.UNIT:
        cols["n_people"] = expr.n_people.cast("int64")
    return expr.select(**cols)


def raw_values(cache: QueryCache, engine: Engine, m: Metric, ctx: MetricContext) -> pa.Table:
    """Per-subject values of ``m`` over the context's window (compiled SQL from ``cache``)."""
    return cache.run(engine, m.spec, "values", (ctx.start, ctx.end), lambda: _raw_expr(m, ctx))


def _raw(engine: Engine, m: Metric, ctx: MetricContext) -> pa.Table:
    """Per-subject values straight through Ibis, without the compiled-SQL cache."""
    return engine.to_arrow(_raw_expr(m, ctx))


def _paused_people(ws: Workspace) -> dict[str, set[str]]:
    """metric -> people whose processing for it is paused by an objection (rights package)."""
    from integritas.rights.objections import paused

    out: dict[str, set[str]] = {}
    for row in paused(ws).to_pylist():
        out.setdefault(row["metric"], set()).add(row["person_id"])
    return out


def _without_paused(raw: pa.Table, people: set[str]) -> pa.Table:
    """Drop the values of people who objected, pending a recorded decision."""
    if not people:
        return raw
    import pyarrow.compute as pc

    keep = pc.invert(pc.is_in(raw.column("subject_id"), value_set=pa.array(sorted(people))))
    return raw.filter(keep)


def _evidence_expr(m: Metric, evidence: MetricFn, ctx: MetricContext) -> ir.Table:
    e = evidence(ctx)
    e = e.filter(e.period_start.cast("date").between(ctx.start_lit, ctx.end_lit))
    return e.select(
        metric=ibis.literal(m.name),
        version=ibis.literal(m.spec.version, type="int64"),
        subject_id=e.subject_id.cast("string"),
        period_start=e.period_start.cast("date"),
        source=e.source.cast("string"),
        batch_id=e.batch_id.cast("string"),
        row_number=e.row_number.cast("int64"),
    )


def _evidence(cache: QueryCache, engine: Engine, m: Metric, ctx: MetricContext) -> pa.Table:
    evidence = m.evidence
    if evidence is None:
        return EVIDENCE_SCHEMA.empty_table()
    rows = cache.run(
        engine, m.spec, "evidence", (ctx.start, ctx.end), lambda: _evidence_expr(m, evidence, ctx)
    )
    return rows.cast(EVIDENCE_SCHEMA)


def _merge(
    old: pa.Table,
    new: list[pa.Table],
    drop: list[tuple[str, int, date, date]],
    schema: pa.Schema,
    con: object,
) -> pa.Table:
    """Old rows minus the recomputed (metric, period) spans and other versions, plus new."""
    if not drop:
        return old
    spans = pa.table(
        {
            "metric": [d[0] for d in drop],
            "version": pa.array([d[1] for d in drop], pa.int64()),
            "lo": pa.array([d[2] for d in drop], pa.date32()),
            "hi": pa.array([d[3] for d in drop], pa.date32()),
        }
    )
    duck = con  # a DuckDB connection
    duck.register("__old", old)  # type: ignore[attr-defined]
    duck.register("__spans", spans)  # type: ignore[attr-defined]
    try:
        kept = fetch_arrow(
            duck,
            """SELECT o.* FROM __old o WHERE NOT EXISTS (
                 SELECT 1 FROM __spans s WHERE s.metric = o.metric
                   AND (s.version <> o.version OR o.period_start BETWEEN s.lo AND s.hi))""",
        )
    finally:
        duck.unregister("__old")  # type: ignore[attr-defined]
        duck.unregister("__spans")  # type: ignore[attr-defined]
    return pa.concat_tables([kept.cast(schema), *[t.cast(schema) for t in new]])


def run_metrics(
    ws: Workspace,
    *,
    engine: EngineName = "duckdb",
    start: date | None = None,
    end: date | None = None,
    only: Iterable[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
    compiled_cache: bool = True,
) -> RunReport:
    """Evaluate the registered metrics over ``ws`` and update the derived tables.

    ``compiled_cache=False`` builds and compiles every metric's query afresh (see
    :mod:`integritas.metrics.compiled`); the results are the same.
    """
    cfg = settings or EngineSettings()
    if start is not None and end is not None and start > end:
        raise MetricRunError(f"--from {start} is after --to {end}")
    metrics = _select(only, load_metrics())
    t0 = time.perf_counter()
    eng = open_engine(ws, engine, cfg)
    post = eng if isinstance(eng, DuckDBEngine) else DuckDBEngine(ws).open()
    con = post.backend.con
    try:
        lo, hi = default_window(post)
        window = (start or lo, end or hi)
        report = RunReport(engine=eng.name, start=window[0], end=window[1])
        index = incremental.BatchIndex.load(ws)
        state = incremental.load_state(ws)
        new_values: list[pa.Table] = []
        new_evidence: list[pa.Table] = []
        drop: list[tuple[str, int, date, date]] = []
        done: list[Metric] = []
        computed_at = datetime.now(UTC)
        cache = QueryCache(ws, enabled=compiled_cache)
        paused = _paused_people(ws)
        for i, m in enumerate(metrics, start=1):
            if progress is not None:
                progress(m.name, i, len(metrics))
            p = incremental.plan(m.spec, index, state, window, full=full)
            run = MetricRun(m.name, m.spec.version, "unchanged", p.reason)
            report.runs.append(run)
            if not p.windows:
                continue
            t1 = time.perf_counter()
            got_values: list[pa.Table] = []
            got_evidence: list[pa.Table] = []
            try:
                batch_ids = index.batch_ids(m.spec.sources)
                for w_lo, w_hi in p.windows:
                    ctx = MetricContext(backend=eng.backend, start=w_lo, end=w_hi)
                    rows = finalise(
                        con,
                        m.spec,
                        _without_paused(raw_values(cache, eng, m, ctx), paused.get(m.name, set())),
                        start=w_lo,
                        end=w_hi,
                        zero_fill=zero_filled(m),
                        small_cell_k=cfg.small_cell_k,
                        min_peer_group=cfg.min_peer_group,
                        batch_ids=batch_ids,
                        computed_at=computed_at,
                    )
                    # zero-fill must not bring a paused person back either
                    got_values.append(_without_paused(rows, paused.get(m.name, set())))
                    got_evidence.append(
                        _without_paused(_evidence(cache, eng, m, ctx), paused.get(m.name, set()))
                    )
            except Exception as exc:
                run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
                continue
            new_values += got_values
            new_evidence += got_evidence
            drop += [(m.name, m.spec.version, w_lo, w_hi) for w_lo, w_hi in p.windows]
            run.rows = sum(t.num_rows for t in got_values)
            run.status, run.windows = "computed", p.windows
            run.seconds = time.perf_counter() - t1
            done.append(m)
        if drop:
            write_atomic(
                values_path(ws),
                _merge(read_values(ws), new_values, drop, VALUES_SCHEMA, con),
                VALUES_SCHEMA,
            )
            write_atomic(
                evidence_path(ws),
                _merge(read_evidence(ws), new_evidence, drop, EVIDENCE_SCHEMA, con),
                EVIDENCE_SCHEMA,
            )
            for m in done:
                incremental.record(state, m.spec, index, window)
            incremental.save_state(ws, state)
        report.seconds = time.perf_counter() - t0
        report.compiled_hits, report.compiled_misses = cache.hits, cache.misses
        return report
    finally:
        if post is not eng:
            post.close()
        eng.close()
