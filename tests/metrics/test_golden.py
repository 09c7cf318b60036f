"""Compiled DuckDB SQL of every registered metric is pinned in tests/metrics/golden/<name>.sql.

Run with ``UPDATE_GOLDEN=1`` to rewrite the files after an intended change.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from integritas.engine.backends import DuckDBEngine, Engine
from integritas.metrics.context import MetricContext
from integritas.metrics.registry import load_metrics
from integritas.settings import Workspace

GOLDEN = Path(__file__).parent / "golden"
_MEMTABLE = re.compile(r"ibis_[a-z]+_memtable_[a-z0-9]+")
_EXCLUDE = re.compile(r"EXCLUDE \(([^)]*)\)")


def _sorted_exclude(match: re.Match[str]) -> str:
    # Ibis emits the columns of ``drop(a, b)`` in set order; the order has no meaning.
    return "EXCLUDE (" + ", ".join(sorted(match[1].split(", "))) + ")"


NAMES = [m.name for m in load_metrics()]


@pytest.fixture(scope="module")
def empty_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return DuckDBEngine(Workspace.from_settings(tmp_path_factory.mktemp("golden"))).open()


def compiled(engine: Engine, name: str) -> str:
    from integritas.metrics.registry import METRICS

    ctx = MetricContext(backend=engine.backend, start=date(2025, 1, 1), end=date(2025, 3, 31))
    sql = str(engine.backend.compile(METRICS[name].compute(ctx))).strip() + "\n"
    # In-memory tables get random names; pin them by order of appearance.
    names: dict[str, str] = {}
    sql = _MEMTABLE.sub(lambda m: names.setdefault(m[0], f"memtable_{len(names)}"), sql)
    return _EXCLUDE.sub(_sorted_exclude, sql)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_compiled_sql_matches_golden(empty_engine: Engine, name: str) -> None:
    sql = compiled(empty_engine, name)
    path = GOLDEN / f"{name}.sql"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(sql.encode("utf-8"))
    assert path.exists(), f"no golden SQL for {name}; run with UPDATE_GOLDEN=1"
    assert sql == path.read_bytes().decode("utf-8")


def test_no_orphan_golden_files() -> None:
    orphans = sorted(p.stem for p in GOLDEN.glob("*.sql") if p.stem not in NAMES)
    assert orphans == []
