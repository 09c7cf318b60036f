"""Rows that arrive from Python (a SQL result, a worksheet) as a DuckDB table of text.

A SQL query can return more rows than fit in memory as Python objects (an audit log of tens
of millions of rows): the rows are taken a chunk at a time, each chunk turned into Arrow text
columns and appended to a DuckDB table (which can spill to the workspace's private scratch
folder; a location source's connection has none, so pings stay in memory), numbered
``__rn`` from 1 in arrival order and hashed as they come. Nothing holds the whole result in
Python at once.

Values become text as :func:`text` writes them, column by column: a column of the chunk that
holds only strings (or only integers) is converted by Arrow in one call, any other value by
:func:`text` one at a time, so that the text, and the digest, do not depend on which way a
value went.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integritas.ingest.readers import quote_ident

CHUNK_ROWS = 50_000
TABLE = "__rows"
_NONE = type(None)


def text(value: Any) -> str | None:
    """A value as the text an export would have held: ISO dates and times, ``true``/``false``,
    whole floats without ``.0``, anything else as ``str()``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def text_column(values: Sequence[Any]) -> pa.Array:
    """One column of a chunk as an Arrow string array (nulls stay null)."""
    kinds = set(map(type, values))
    if kinds <= {str, _NONE}:
        return pa.array(values, pa.string())
    if kinds <= {int, _NONE}:  # bool is not int here: type() is exact
        try:
            return pa.array(values, pa.int64()).cast(pa.string())
        except OverflowError:  # beyond 64 bits: Python writes it
            pass
    return pa.array([text(v) for v in values], pa.string())


def _line_bytes(columns: list[pa.Array]) -> memoryview:
    """The chunk's rows as the digest reads them: values joined by U+001F (a null is empty),
    each row ended by a newline, all rows back to back."""
    joined = pc.binary_join_element_wise(
        *columns, "\x1f", null_handling="replace", null_replacement=""
    )
    lines = pc.binary_join_element_wise(joined, "", "\n")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    data = lines.buffers()[2]
    return memoryview(data)[offsets[0] : offsets[len(lines)]]


class TextRows:
    """Appends rows of ``len(header)`` values to the temporary table ``__rows``
    (``__rn`` BIGINT, then one VARCHAR per header name) and hashes them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, header: list[str]) -> None:
        self.con = con
        self.header = header
        self.table = TABLE
        self.rows = 0
        self._digest = hashlib.sha256(("\x1f".join(header) + "\n").encode())
        cols = ", ".join(f"{quote_ident(h)} VARCHAR" for h in header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} (__rn BIGINT, {cols})")

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append one chunk; every row has exactly one value per header name."""
        if not rows:
            return
        columns = [text_column(c) for c in zip(*rows, strict=True)]
        self._digest.update(_line_bytes(columns))
        first = self.rows + 1
        numbers = pa.array(np.arange(first, first + len(rows), dtype=np.int64))
        chunk = pa.Table.from_arrays([numbers, *columns], names=["__rn", *self.header])
        self.con.register("__chunk", chunk)
        try:
            self.con.execute(f"INSERT INTO {self.table} SELECT * FROM __chunk")
        finally:
            self.con.unregister("__chunk")
        self.rows += len(rows)

    def add_all(self, rows: Iterable[Sequence[Any]], chunk_rows: int = CHUNK_ROWS) -> None:
        """Append rows from an iterator, ``chunk_rows`` at a time."""
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_rows:
                self.add(chunk)
                chunk = []
        self.add(chunk)

    def sha256(self) -> str:
        """Digest of the header line and every row so far, in order."""
        return self._digest.hexdigest()
