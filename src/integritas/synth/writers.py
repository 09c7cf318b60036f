"""Deterministic streaming writers: CSV, Parquet, JSON lines and XLSX, chunk by chunk.

Byte identity matters: nothing here may depend on the clock, on thread scheduling or on
dict ordering. Parquet carries only the library's created_by string; XLSX zip entries and
document properties get a fixed timestamp.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

FIXED_TIME = datetime(2000, 1, 1)


@dataclass
class _Open:
    path: Path
    fmt: str
    handle: Any = None
    schema: pa.Schema | None = None
    rows: int = 0
    pending: list[pa.Table] = field(default_factory=list)


class ExportWriter:
    """One file per export; `write(name, table)` appends a chunk; `close()` finishes all."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._files: dict[str, _Open] = {}

    def open(self, name: str, filename: str, fmt: str) -> None:
        if name in self._files:
            raise ValueError(f"export {name!r} opened twice")
        path = self.out / filename
        path.unlink(missing_ok=True)
        self._files[name] = _Open(path, fmt)

    def write(self, name: str, table: pa.Table) -> None:
        f = self._files[name]
        if f.schema is None:
            f.schema = table.schema
        else:
            table = table.cast(f.schema)
        f.rows += table.num_rows
        if f.fmt == "csv":
            import pyarrow.csv as pacsv

            if f.handle is None:
                f.handle = pacsv.CSVWriter(str(f.path), f.schema)
            f.handle.write_table(table)
        elif f.fmt == "parquet":
            import pyarrow.parquet as pq

            if f.handle is None:
                f.handle = pq.ParquetWriter(
                    str(f.path), f.schema, compression="zstd", write_statistics=True
                )
            f.handle.write_table(table, row_group_size=1_000_000)
        elif f.fmt == "jsonl":
            _append_jsonl(f.path, table)
        elif f.fmt == "xlsx":
            f.pending.append(table)
        else:
            raise ValueError(f"unknown format {f.fmt!r}")

    def close(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for f in self._files.values():
            if f.fmt in ("csv", "parquet") and f.handle is not None:
                f.handle.close()
            if f.fmt == "xlsx":
                _write_xlsx(f.path, pa.concat_tables(f.pending) if f.pending else None)
            rows[f.path.name] = f.rows
        return dict(sorted(rows.items()))


def _append_jsonl(path: Path, table: pa.Table) -> None:
    import duckdb

    tmp = path.with_suffix(".part")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.register("chunk", table)
        con.execute(f"COPY chunk TO '{tmp}' (FORMAT json)")
    finally:
        con.close()
    with path.open("ab") as dst:
        dst.write(tmp.read_bytes())
    tmp.unlink()


def _write_xlsx(path: Path, table: pa.Table | None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Export"
    if table is not None:
        ws.append(table.column_names)
        for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
            ws.append(list(row))
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps zip entries with the current time: rewrite them with a fixed one.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)


def _fix_core(data: bytes) -> bytes:
    import re

    # openpyxl writes modified = now regardless of the property we set
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z", data)
