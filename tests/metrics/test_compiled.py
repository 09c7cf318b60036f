"""Compiled-SQL cache: hits skip Ibis, every key part invalidates, results never change."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integritas.engine.backends import DuckDBEngine
from integritas.engine.testing import write_batch
from integritas.metrics import compiled
from integritas.metrics.compiled import QueryCache
from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, Metric, load_metrics
from integritas.metrics.runner import _raw, _raw_expr, run_metrics
from integritas.metrics.values import read_evidence, read_values
from integritas.settings import Workspace

WINDOW = (date(2025, 1, 1), date(2025, 2, 28))
# A rolling metric (its calendar is an in-memory table stored with the SQL), a unit metric
# and a person metric with evidence.
ONLY = ["sickness_spells_12m", "unit_overtime_claims_per_head", "roster_self_edits"]


@pytest.fixture(scope="module", autouse=True)
def _metrics() -> None:
    load_metrics()


def _sorted(t: pa.Table) -> list[dict[str, object]]:
    return t.sort_by([(c, "ascending") for c in t.column_names]).to_pylist()


class Builds:
    """A build callable that counts how often Ibis was asked to build the expression."""

    def __init__(self, m: Metric, ctx: MetricContext) -> None:
        self.m, self.ctx, self.calls = m, ctx, 0

    def __call__(self) -> object:
        self.calls += 1
        return _raw_expr(self.m, self.ctx)


def _files(cache: QueryCache) -> list[str]:
    return sorted(p.name for p in cache.folder.glob("*.json"))


def test_hit_skips_build_and_compile_and_rows_match_ibis(tiny_ws: Workspace) -> None:
    m = METRICS["sickness_spells_12m"]
    eng = DuckDBEngine(tiny_ws).open()
    ctx = MetricContext(eng.backend, *WINDOW)
    direct = _sorted(_raw(eng, m, ctx))
    assert any(r["value"] for r in direct)  # the comparison below is not vacuous

    cache = QueryCache(tiny_ws)
    build = Builds(m, ctx)
    assert _sorted(cache.run(eng, m.spec, "values", WINDOW, build)) == direct
    assert (build.calls, cache.misses, cache.hits) == (1, 1, 0)
    assert _sorted(cache.run(eng, m.spec, "values", WINDOW, build)) == direct
    assert (build.calls, cache.misses, cache.hits) == (1, 1, 1)
    assert len(_files(cache)) == 1

    # A later process: new engine, empty memory; the entry and its calendar come from disk.
    eng2 = DuckDBEngine(tiny_ws).open()
    later = QueryCache(tiny_ws)
    build2 = Builds(m, MetricContext(eng2.backend, *WINDOW))
    assert _sorted(later.run(eng2, m.spec, "values", WINDOW, build2)) == direct
    assert (build2.calls, later.hits) == (0, 1)


def test_version_window_schema_and_code_changes_are_misses(
    tiny_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = METRICS["roster_self_edits"]
    eng = DuckDBEngine(tiny_ws).open()
    cache = QueryCache(tiny_ws)

    def run(spec: object, window: tuple[date, date], engine: DuckDBEngine = eng) -> Builds:
        build = Builds(m, MetricContext(engine.backend, *window))
        cache.run(engine, spec, "values", window, build)  # type: ignore[arg-type]
        return build

    assert run(m.spec, WINDOW).calls == 1
    assert run(m.spec, WINDOW).calls == 0
    v1_file = _files(cache)

    bumped = m.spec.model_copy(update={"version": m.spec.version + 1})
    assert run(bumped, WINDOW).calls == 1
    assert run(bumped, WINDOW).calls == 0
    # The new version's entry replaced the old one on disk.
    assert len(_files(cache)) == 1 and _files(cache) != v1_file

    january = (date(2025, 1, 1), date(2025, 1, 31))
    assert run(bumped, january).calls == 1
    assert len(_files(cache)) == 2  # other windows of the same generation are kept

    # A batch with an extra column widens the table (union by name): the schema changed.
    bid = write_batch(tiny_ws, "roster_audit", [{"edit_id": "E9", "person_id": "P-A03"}])
    path = tiny_ws.home / f"curated/roster_audit/{bid}.parquet"
    data = pq.read_table(path)
    pq.write_table(data.append_column("note", pa.array(["x"] * data.num_rows)), path)
    wider = DuckDBEngine(tiny_ws).open()
    assert wider.schema_fingerprint() != eng.schema_fingerprint()
    assert run(bumped, WINDOW, wider).calls == 1
    assert run(bumped, WINDOW, wider).calls == 0

    monkeypatch.setattr(compiled, "code_fingerprint", lambda: "edited-metric-code")
    assert run(bumped, WINDOW, wider).calls == 1


def test_entry_the_engine_refuses_is_recompiled(tiny_ws: Workspace) -> None:
    m = METRICS["roster_self_edits"]
    eng = DuckDBEngine(tiny_ws).open()
    ctx = MetricContext(eng.backend, *WINDOW)
    cache = QueryCache(tiny_ws)
    good = _sorted(cache.run(eng, m.spec, "values", WINDOW, Builds(m, ctx)))
    key = cache.key(eng, m.spec, "values", *WINDOW)
    cache._memory[key] = compiled.CompiledQuery("SELECT * FROM no_such_table", pa.schema([]), {})
    build = Builds(m, ctx)
    assert _sorted(cache.run(eng, m.spec, "values", WINDOW, build)) == good
    assert build.calls == 1 and cache._memory[key].sql != "SELECT * FROM no_such_table"


def _values(ws: Workspace) -> list[dict[str, object]]:
    t = read_values(ws).drop_columns(["computed_at", "batch_ids"])
    return _sorted(t)


def test_runner_results_identical_with_and_without_cache(tiny_ws: Workspace) -> None:
    window = {"start": WINDOW[0], "end": WINDOW[1], "only": ONLY, "full": True}
    plain = run_metrics(tiny_ws, compiled_cache=False, **window)  # type: ignore[arg-type]
    assert (plain.compiled_hits, plain.compiled_misses) == (0, 5)  # 3 values + 2 evidence
    assert not (tiny_ws.home / "derived" / "compiled").exists()
    values, evidence = _values(tiny_ws), _sorted(read_evidence(tiny_ws))
    spells = [v for v in values if v["metric"] == ONLY[0] and v["value"]]
    assert [(v["subject_id"], v["value"]) for v in spells] == [("P-A01", 1.0)] * 2

    first = run_metrics(tiny_ws, **window)  # type: ignore[arg-type]
    again = run_metrics(tiny_ws, **window)  # type: ignore[arg-type]
    assert (first.compiled_hits, first.compiled_misses) == (0, 5)
    assert (again.compiled_hits, again.compiled_misses) == (5, 0)
    assert not first.failed and not again.failed
    assert _values(tiny_ws) == values
    assert _sorted(read_evidence(tiny_ws)) == evidence


@pytest.mark.spark
@pytest.mark.slow
def test_cached_sql_runs_on_spark_like_ibis(tiny_ws: Workspace) -> None:
    from integritas.engine.backends import SparkEngine

    spark = SparkEngine(tiny_ws, master="local[1]").open()
    try:
        ctx = MetricContext(spark.backend, *WINDOW)
        cache = QueryCache(tiny_ws)
        for name in ONLY:
            m = METRICS[name]
            direct = _sorted(_raw(spark, m, ctx))
            build = Builds(m, ctx)
            assert _sorted(cache.run(spark, m.spec, "values", WINDOW, build)) == direct
            assert _sorted(cache.run(spark, m.spec, "values", WINDOW, build)) == direct
            assert build.calls == 1
        assert cache.hits == len(ONLY)
    finally:
        spark.close()
