"""Compiled SQL of each metric, kept so a re-run skips building and compiling Ibis.

Building a metric's Ibis expression and compiling it to SQL costs 0.1-1 s, often more than
the engine takes to run the query. The SQL depends only on what :class:`CacheKey` holds:
the metric and its version, which part (values or evidence), the window, the engine, a
fingerprint of the schemas of the tables metrics read, and a fingerprint of the metric code
itself (every module of this package, plus the Ibis and sqlglot versions), so a change to
any of them is a miss and the query is compiled again. The data is not part of the key: the
SQL names tables, so new batches are read as they come.

Entries live in memory and under ``derived/compiled/`` (one JSON file each), so a later run
in another process hits too. An entry holds the SQL, its result schema and the small
in-memory tables (calendars) the metric code built, renamed to names derived from the key.
Writing an entry removes that metric's entries of other generations (version, schema or
code) and keeps its :data:`KEEP_WINDOWS` most recently used windows.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot

from integritas.engine.backends import Engine
from integritas.metrics.model import MetricSpec
from integritas.metrics.values import derived_dir
from integritas.settings import Workspace

Part = Literal["values", "evidence"]
KEEP_WINDOWS = 8


@functools.cache
def code_fingerprint() -> str:
    """Digest of every module of ``integritas.metrics`` and the compiler versions."""
    root = Path(__file__).parent
    digest = hashlib.sha256(f"ibis {ibis.__version__} sqlglot {sqlglot.__version__}".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CacheKey:
    metric: str
    version: int
    part: str
    start: date
    end: date
    engine: str
    schema: str
    code: str

    @property
    def generation(self) -> str:
        """What invalidates every window of the metric at once."""
        raw = f"{self.version}|{self.schema}|{self.code}".encode()
        return hashlib.sha256(raw).hexdigest()[:16]

    @property
    def family(self) -> str:
        return f"{self.metric}.{self.part}.{self.engine}"

    @property
    def file_name(self) -> str:
        return f"{self.family}.{self.generation}.{self.start:%Y%m%d}-{self.end:%Y%m%d}.json"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        return out


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for one engine, its result schema, and the in-memory tables it reads by name."""

    sql: str
    schema: pa.Schema
    tables: dict[str, pa.Table]


def compile_query(eng: Engine, expr: ir.Table, key: CacheKey) -> CompiledQuery:
    """Compile ``expr``; its in-memory tables get stable names derived from ``key``."""
    sql = str(eng.backend.compile(expr))
    stem = hashlib.sha256(json.dumps(key.as_json(), sort_keys=True).encode()).hexdigest()[:12]
    tables: dict[str, pa.Table] = {}
    for i, op in enumerate(expr.op().find(ops.InMemoryTable)):
        name = f"__metric_mt_{stem}_{i}"
        # Ibis names them ``ibis_<kind>_memtable_<random>``: unique, safe to replace as text.
        sql = sql.replace(op.name, name)
        tables[name] = op.data.to_pyarrow(op.schema)
    return CompiledQuery(sql, expr.schema().to_pyarrow(), tables)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode(query: CompiledQuery, key: CacheKey) -> str:
    tables = {}
    for name, table in query.tables.items():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        tables[name] = _b64(sink.getvalue().to_pybytes())
    doc = {
        "key": key.as_json(),
        "sql": query.sql,
        "schema": _b64(query.schema.serialize().to_pybytes()),
        "tables": tables,
    }
    return json.dumps(doc, indent=1, sort_keys=True)


def _decode(text: str, key: CacheKey) -> CompiledQuery | None:
    doc = json.loads(text)
    if doc.get("key") != key.as_json():
        return None
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(doc["schema"])))
    tables = {
        name: pa.ipc.open_stream(pa.py_buffer(base64.b64decode(data))).read_all()
        for name, data in doc["tables"].items()
    }
    return CompiledQuery(doc["sql"], schema, tables)


def _write(path: Path, text: str) -> None:
    """Temporary file + rename: a reader sees a whole entry or none. No fsync: after a crash
    a damaged entry fails to decode and is simply compiled again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class QueryCache:
    """Compiled metric queries for one run; ``persist`` keeps them under ``derived/compiled``.

    With ``enabled=False`` every query is built and compiled afresh and nothing is stored:
    the same execution path, for comparison and for tests.
    """

    ws: Workspace
    enabled: bool = True
    persist: bool = True
    hits: int = 0
    misses: int = 0
    _memory: dict[CacheKey, CompiledQuery] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        return derived_dir(self.ws) / "compiled"

    def key(self, eng: Engine, spec: MetricSpec, part: Part, start: date, end: date) -> CacheKey:
        return CacheKey(
            metric=spec.name,
            version=spec.version,
            part=part,
            start=start,
            end=end,
            engine=eng.name,
            schema=eng.schema_fingerprint(),
            code=code_fingerprint(),
        )

    def get(self, key: CacheKey) -> CompiledQuery | None:
        if not self.enabled:
            return None
        if key in self._memory:
            return self._memory[key]
        if not self.persist:
            return None
        path = self.folder / key.file_name
        try:
            found = _decode(path.read_text(encoding="utf-8"), key)
        except (OSError, ValueError, KeyError, pa.ArrowInvalid):
            return None  # absent or unreadable: compile again and overwrite
        if found is not None:
            os.utime(path)  # most recently used windows are the ones kept
            self._memory[key] = found
        return found

    def put(self, key: CacheKey, query: CompiledQuery) -> None:
        if not self.enabled:
            return
        self._memory[key] = query
        if not self.persist:
            return
        _write(self.folder / key.file_name, _encode(query, key))
        self._prune(key)

    def forget(self, key: CacheKey) -> None:
        self._memory.pop(key, None)
        if self.persist:
            (self.folder / key.file_name).unlink(missing_ok=True)

    def _prune(self, key: CacheKey) -> None:
        mine: list[Path] = []
        for path in self.folder.glob(f"{key.family}.*.json"):
            if path.name.split(".")[3] != key.generation:
                path.unlink(missing_ok=True)
            else:
                mine.append(path)
        mine.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for path in mine[KEEP_WINDOWS:]:
            path.unlink(missing_ok=True)

    def run(
        self,
        eng: Engine,
        spec: MetricSpec,
        part: Part,
        window: tuple[date, date],
        build: Callable[[], ir.Table],
    ) -> pa.Table:
        """The rows of ``build()`` on ``eng``, compiling only when the key has no entry."""
        key = self.key(eng, spec, part, *window)
        cached = self.get(key)
        if cached is not None:
            try:
                result = eng.run_sql(cached.sql, cached.schema, cached.tables)
            except Exception:
                self.forget(key)  # an entry the engine refuses is recompiled once
            else:
                self.hits += 1
                return result
        self.misses += 1
        query = compile_query(eng, build(), key)
        result = eng.run_sql(query.sql, query.schema, query.tables)
        self.put(key, query)
        return result
