"""Analytical backends: one small interface, DuckDB (default) or PySpark, both through Ibis.

Each backend exposes one table per declared catalog source, over that source's *committed*
curated Parquet files (found through :mod:`integritas.ingest.layout`), an empty typed table
when a source has no data yet, and ``linkage_accepted`` (accepted external-registry matches
written by the linkage package). PySpark is imported only when a Spark backend is opened.
"""

from __future__ import annotations

import hashlib
import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, final

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from integritas.catalog.models import FieldType, SourceKind
from integritas.catalog.registry import catalog
from integritas.ingest.layout import curated_files_by_source, manifests
from integritas.settings import EngineSettings, Workspace

if TYPE_CHECKING:
    import ibis.expr.types as ir

EngineName = Literal["duckdb", "spark"]

LINKAGE_ACCEPTED = "linkage_accepted"
BATCH_ORDER = "__batch_order"
CALENDAR_MONTH = "calendar_month"

_ARROW = {
    FieldType.STRING: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.FLOAT: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
    FieldType.DATE: pa.date32(),
    FieldType.TIMESTAMP: pa.timestamp("us"),
}

LINKAGE_ACCEPTED_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("registry", pa.string()),
        ("record_id", pa.string()),
        ("organisation_name", pa.string()),
        ("organisation_id", pa.string()),
        ("role", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("decided_at", pa.timestamp("us")),
        ("decision_id", pa.string()),
    ]
)


class EngineError(RuntimeError):
    """The analytical backend could not be opened."""


def source_schema(name: str) -> pa.Schema:
    """Arrow schema of a source's curated table (declared columns plus lineage columns)."""
    src = catalog()[name]
    cols = [(col, _ARROW[f.type]) for col, f in src.curated_columns().items()]
    if src.kind is SourceKind.LOCATION:
        cols.append(("site_label", pa.string()))
    cols += [("_batch_id", pa.string()), ("_row_number", pa.int64())]
    return pa.schema(cols)


def linkage_accepted_path(ws: Workspace) -> Path:
    return ws.home / "derived" / f"{LINKAGE_ACCEPTED}.parquet"


def table_names() -> list[str]:
    """Every table an engine registers for metrics to read."""
    return [*catalog(), LINKAGE_ACCEPTED, CALENDAR_MONTH]


# Looking a table up asks the engine for its schema; metric code looks the same few tables
# up hundreds of times per run, so each backend answers once per name.
_TABLES: dict[int, dict[str, ir.Table]] = {}


def cached_table(backend: Any, name: str) -> ir.Table:
    """``backend.table(name)``, looked up once per backend object."""
    key = id(backend)
    tables = _TABLES.get(key)
    if tables is None:
        tables = _TABLES[key] = {}
        weakref.finalize(backend, _TABLES.pop, key, None)
    if name not in tables:
        tables[name] = backend.table(name)
    return tables[name]


@dataclass
class Engine(ABC):
    """An open analytical backend with every source registered as a table."""

    ws: Workspace
    backend: Any = field(init=False)

    name: str = field(init=False, default="")
    _registered: set[str] = field(init=False, default_factory=set, repr=False)
    _fingerprint: str | None = field(init=False, default=None, repr=False)

    @abstractmethod
    def _connect(self) -> Any: ...

    @abstractmethod
    def _register_files(self, table: str, files: list[Path]) -> None: ...

    @abstractmethod
    def _register_arrow(self, table: str, data: pa.Table) -> None: ...

    def _register_empty(self, table: str, schema: pa.Schema) -> None:
        self._register_arrow(table, schema.empty_table())

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the backend's resources (DuckDB: nothing to do)."""

    @final
    def open(self) -> Engine:
        self.backend = self._connect()
        disputed = _disputed_by_source(self.ws)
        by_source = curated_files_by_source(self.ws)
        order = _batch_order(self.ws)
        for name, src in catalog().items():
            files = by_source.get(name, [])
            if not files:
                self._register_empty(name, source_schema(name))
                continue
            latest = name in order.superseded and bool(src.curated_key())
            if name not in disputed and not latest:
                self._register_files(name, files)
                continue
            self._register_files(f"__all_{name}", files)
            rows = self.backend.table(f"__all_{name}")
            if name in disputed:
                # Disputed rows are left out of every metric until the dispute is resolved.
                self._register_arrow(f"__disputed_{name}", disputed[name])
                bad = self.backend.table(f"__disputed_{name}")
                rows = rows.anti_join(
                    bad, [rows._batch_id == bad.batch_id, rows._row_number == bad.row_number]
                )
            if latest:
                if BATCH_ORDER not in self._registered:
                    self._register_arrow(BATCH_ORDER, order.table)
                    self._registered.add(BATCH_ORDER)
                rows = _latest_per_key(rows, self.backend.table(BATCH_ORDER), src.curated_key())
            self.backend.create_view(name, rows, overwrite=True)
        linked = linkage_accepted_path(self.ws)
        if linked.exists():
            self._register_files(LINKAGE_ACCEPTED, [linked])
        else:
            self._register_empty(LINKAGE_ACCEPTED, LINKAGE_ACCEPTED_SCHEMA)
        self._register_arrow(CALENDAR_MONTH, calendar_months())
        return self

    @final
    def to_arrow(self, expr: ir.Table) -> pa.Table:
        """Execute ``expr`` and return its rows as an Arrow table."""
        result = self.backend.to_pyarrow(expr)
        return result if isinstance(result, pa.Table) else pa.Table.from_batches([result])

    @final
    def schema_fingerprint(self) -> str:
        """A digest of the name, columns and types of every table metrics can read."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for name, col, dtype in self._columns(table_names()):
                digest.update(f"{name}.{col}:{dtype};".encode())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint

    def _columns(self, tables: list[str]) -> list[tuple[str, str, str]]:
        """(table, column, type) of ``tables``, in table then column order."""
        return [
            (name, col, str(dtype))
            for name in tables
            for col, dtype in cached_table(self.backend, name).schema().items()
        ]

    @final
    def run_sql(self, sql: str, schema: pa.Schema, tables: Mapping[str, pa.Table]) -> pa.Table:
        """Run SQL compiled for this engine; ``tables`` are in-memory tables it names
        (registered once per engine), ``schema`` its result schema (no look-up needed)."""
        for name, data in tables.items():
            if name not in self._registered:
                self._register_arrow(name, data)
                self._registered.add(name)
        return self._run_sql(sql, schema)

    def _run_sql(self, sql: str, schema: pa.Schema) -> pa.Table:
        return self.to_arrow(self.backend.sql(sql, schema=ibis.Schema.from_pyarrow(schema)))

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _BatchOrder:
    table: pa.Table  # batch_id, ordinal: committed batches in commit order
    superseded: frozenset[str]  # sources where a batch replaced rows an earlier one held


def _batch_order(ws: Workspace) -> _BatchOrder:
    found = manifests(ws)
    return _BatchOrder(
        pa.table(
            {
                "batch_id": pa.array([m["batch_id"] for m in found], pa.string()),
                "ordinal": pa.array(range(len(found)), pa.int64()),
            }
        ),
        frozenset(m["source"] for m in found if m.get("rows_superseding")),
    )


def _latest_per_key(rows: ir.Table, order: ir.Table, key: tuple[str, ...]) -> ir.Table:
    """One row per key: the latest committed batch's (then the batch's last such row), so that
    an overlapping or corrected re-export replaces what it repeats instead of doubling it."""
    joined = rows.join(order, rows._batch_id == order.batch_id, how="left")
    w = ibis.window(
        group_by=[joined[k] for k in key],
        order_by=[joined.ordinal.desc(), joined._row_number.desc()],
    )
    ranked = joined.mutate(__latest=ibis.row_number().over(w))
    return ranked.filter(ranked.__latest == 0).select(*rows.columns)


def _disputed_by_source(ws: Workspace) -> dict[str, pa.Table]:
    """Disputed (batch_id, row_number) per source, from the rights package's register."""
    from integritas.rights.disputes import disputed_rows

    table = disputed_rows(ws)
    out: dict[str, pa.Table] = {}
    for source in set(table.column("source").to_pylist()):
        rows = table.filter(pc.equal(table.column("source"), source))
        out[source] = pa.table(
            {
                "batch_id": rows.column("batch_id").cast(pa.string()),
                "row_number": rows.column("row_number").cast(pa.int64()),
            }
        )
    return out


@dataclass
class DuckDBEngine(Engine):
    name: str = field(init=False, default="duckdb")

    def _connect(self) -> Any:
        from integritas.engine import duck

        backend = ibis.duckdb.connect(database=":memory:")  # spill set by duck.configure
        duck.configure(backend.con, self.ws)
        return backend

    def _register_files(self, table: str, files: list[Path]) -> None:
        from integritas.ingest.readers import parquet_scan, quote_ident

        self.backend.con.execute(
            f"CREATE OR REPLACE VIEW {quote_ident(table)} AS SELECT * FROM {parquet_scan(files)}"
        )

    def _register_arrow(self, table: str, data: pa.Table) -> None:
        self.backend.con.register(f"__arrow_{table}", data)
        self.backend.con.execute(
            f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM "__arrow_{table}"'
        )
        self.backend.con.unregister(f"__arrow_{table}")

    def _columns(self, tables: list[str]) -> list[tuple[str, str, str]]:
        # One catalog query instead of a DESCRIBE per table.
        rows = self.backend.con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND list_contains(?, table_name) "
            "ORDER BY list_position(?, table_name), column_index",
            [tables, tables],
        ).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def _run_sql(self, sql: str, schema: pa.Schema) -> pa.Table:
        # Straight to DuckDB: going through ``backend.sql`` re-parses the SQL (~20 ms).
        return self.backend.con.sql(sql).to_arrow_table().cast(schema)


@dataclass
class SparkEngine(Engine):
    """PySpark through Ibis; ``master`` is ``local[N]`` or a ``spark://`` / cluster URL.

    Spark runs in ANSI mode (so metric code must guard divisions, see ``shapes.safe_div``)
    with the session time zone pinned to UTC, so timestamps read back as written.
    """

    master: str = "local[1]"
    name: str = field(init=False, default="spark")
    session: Any = field(init=False, default=None)

    def _connect(self) -> Any:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - pyspark is a declared dependency
            raise EngineError("PySpark is not installed; use --engine duckdb") from exc
        from splink.backends.spark import similarity_jar_location

        # One JVM serves a process: load Splink's string-similarity jar here too, so that
        # linkage on Spark works whichever of the two started the session first.
        builder = (
            SparkSession.builder.master(self.master)
            .appName("integritas-metrics")
            .config("spark.jars", similarity_jar_location())
            .config("spark.sql.ansi.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1" if "local" in self.master else "200")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        )
        try:
            self.session = builder.getOrCreate()
        except Exception as exc:
            raise EngineError(f"could not start Spark at {self.master!r}: {exc}") from exc
        return ibis.pyspark.connect(self.session)

    def _register_files(self, table: str, files: list[Path]) -> None:
        frame = self.session.read.option("mergeSchema", "true").parquet(*map(str, files))
        frame.createOrReplaceTempView(table)

    def _register_arrow(self, table: str, data: pa.Table) -> None:
        rows = [tuple(r.values()) for r in data.to_pylist()]
        frame = self.session.createDataFrame(rows, _spark_schema(data.schema))
        frame.createOrReplaceTempView(table)


def calendar_months(first_year: int = 1970, last_year: int = 2100) -> pa.Table:
    """Every calendar month: ``period_start``, ``period_end`` (dates) and ``days`` (int64)."""
    starts, ends, days = [], [], []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            start = date(year, month, 1)
            nxt = date(year + month // 12, month % 12 + 1, 1)
            starts.append(start)
            ends.append(nxt - timedelta(days=1))
            days.append((nxt - start).days)
    return pa.table(
        {
            "period_start": pa.array(starts, pa.date32()),
            "period_end": pa.array(ends, pa.date32()),
            "days": pa.array(days, pa.int64()),
        }
    )


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
        pa.date32(): T.DateType(),
        pa.timestamp("us"): T.TimestampNTZType(),
    }
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])


def open_engine(
    ws: Workspace, engine: EngineName | None = None, settings: EngineSettings | None = None
) -> Engine:
    """Open the chosen backend (default from ``EngineSettings.engine``) over ``ws``."""
    cfg = settings or EngineSettings()
    chosen = engine or cfg.engine
    if chosen == "duckdb":
        return DuckDBEngine(ws).open()
    if chosen == "spark":
        return SparkEngine(ws, master=cfg.spark_master).open()
    raise EngineError(f"unknown engine {chosen!r}: choose duckdb or spark")
