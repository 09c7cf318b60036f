"""Per-engine table look-ups, the schema fingerprint and running compiled SQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from integritas.engine.backends import DuckDBEngine, cached_table, table_names
from integritas.engine.testing import write_batch
from integritas.metrics.context import MetricContext
from integritas.settings import Workspace


def test_tables_are_looked_up_once_per_backend(tmp_path: Path) -> None:
    ws = Workspace.from_settings(tmp_path)
    a, b = DuckDBEngine(ws).open(), DuckDBEngine(ws).open()
    calls: list[str] = []
    real = a.backend.table

    def counting(name: str) -> object:
        calls.append(name)
        return real(name)

    a.backend.table = counting
    one = MetricContext(a.backend, date(2025, 1, 1), date(2025, 1, 31))
    other_window = MetricContext(a.backend, date(2024, 1, 1), date(2024, 12, 31))
    assert one.table("absence") is other_window.table("absence")
    assert cached_table(a.backend, "hr_master") is one.table("hr_master")
    assert calls == ["absence", "hr_master"]
    # Another engine (another DuckDB connection) has its own tables.
    assert cached_table(b.backend, "absence") is not one.table("absence")


def test_schema_fingerprint_follows_columns_not_rows(tmp_path: Path) -> None:
    ws = Workspace.from_settings(tmp_path)
    empty = DuckDBEngine(ws).open().schema_fingerprint()
    write_batch(ws, "complaints", [{"complaint_id": "C1", "person_id": "P-1"}])
    assert DuckDBEngine(ws).open().schema_fingerprint() == empty
    bid = write_batch(ws, "complaints", [{"complaint_id": "C2", "person_id": "P-2"}])
    path = ws.home / f"curated/complaints/{bid}.parquet"
    data = pq.read_table(path)
    pq.write_table(data.append_column("extra", pa.array([1], pa.int64())), path)
    assert DuckDBEngine(ws).open().schema_fingerprint() != empty
    assert {"complaints", "linkage_accepted", "calendar_month"} <= set(table_names())


def test_run_sql_registers_in_memory_tables_once(tmp_path: Path) -> None:
    eng = DuckDBEngine(Workspace.from_settings(tmp_path)).open()
    months = pa.table({"m": pa.array([date(2025, 1, 1), date(2025, 2, 1)], pa.date32())})
    schema = pa.schema([("n", pa.int64()), ("last", pa.date32())])
    sql = 'SELECT count(*) AS n, max(m) AS "last" FROM __mt_test'
    got = eng.run_sql(sql, schema, {"__mt_test": months})
    assert got.schema == schema
    assert got.to_pylist() == [{"n": 2, "last": date(2025, 2, 1)}]
    # Registered once: a second run with other data under the same name reads the first.
    again = eng.run_sql(sql, schema, {"__mt_test": months.slice(0, 1)})
    assert again.to_pylist() == [{"n": 2, "last": date(2025, 2, 1)}]
