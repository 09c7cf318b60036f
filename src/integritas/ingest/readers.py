"""Readers: expose one export to DuckDB as a relation of its columns (+ ``__rn``).

CSV and JSON lines are read as text (so a bad value becomes a quarantined row, not a parse
error); Parquet keeps its own types; XLSX and SQL results arrive as text. Data rows
are numbered from 1 in file order (``__rn``), the lineage row number: Parquet, XLSX and SQL
readers number them here, CSV and JSON lines by insertion order when staged (``numbered``).
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from integritas.ingest.encodings import not_text
from integritas.ingest.errors import IngestError

if TYPE_CHECKING:
    from integritas.ingest.rows import TextRows

READABLE_SUFFIXES = {".csv", ".txt", ".parquet", ".jsonl", ".ndjson", ".json", ".xlsx"}


@dataclass(frozen=True)
class Export:
    """An export made readable inside one DuckDB connection."""

    label: str  # file name (or "sql query") used in messages and manifests
    relation: str  # SQL usable after FROM: has __rn and every export column
    columns: dict[str, str]  # export column -> DuckDB type in ``relation``
    expr_types: dict[str, str] = field(default_factory=dict)  # type to try for `expr` mappings
    digest: Future[str] | None = None  # SHA-256 of the export, possibly still being computed
    size: int | None = None  # bytes of the export file (None: not a file)
    numbered: bool = True  # False: no ``__rn`` in ``relation``; rows come in file order

    @property
    def sha256(self) -> str:
        """The export's SHA-256 (waits for the hashing thread if it is still reading)."""
        return self.digest.result() if self.digest is not None else ""


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parquet_scan(files: list[Path]) -> str:
    """SQL reading Parquet ``files`` as one relation (columns matched by name)."""
    listing = ", ".join(sql_literal(str(f)) for f in files)
    return f"read_parquet([{listing}], union_by_name=true)"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def hash_in_background(path: Path) -> Future[str]:
    """SHA-256 of ``path`` in a thread: hashlib and file reads release the GIL, so the hash
    is computed while DuckDB reads the same file instead of before it."""
    result: Future[str] = Future()

    def run() -> None:
        try:
            result.set_result(file_sha256(path))
        except BaseException as exc:  # handed to whoever asks for the digest
            result.set_exception(exc)

    threading.Thread(target=run, name=f"sha256 {path.name}", daemon=True).start()
    return result


def known_digest(value: str) -> Future[str]:
    """A digest computed already (rows hashed as they were read)."""
    done: Future[str] = Future()
    done.set_result(value)
    return done


def _file_export(
    path: Path, columns: dict[str, str], *, numbered: bool = True, relation: str = "__export"
) -> Export:
    return Export(
        path.name,
        relation,
        columns,
        digest=hash_in_background(path),
        size=path.stat().st_size,
        numbered=numbered,
    )


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_file(con: duckdb.DuckDBPyConnection, path: Path, utf8: Path | None = None) -> Export:
    """Open ``path`` by its suffix; raise IngestError with a clear reason if unreadable.
    ``utf8``: a CSV export's text transcoded to UTF-8 (``encodings.transcode``), read in its
    place; ``path`` still names and hashes the export."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    p = sql_literal(str(path))
    try:
        if suffix in (".csv", ".txt"):
            # Staged once into a table: the reader itself is the relation, no view, since
            # every bind of read_csv sniffs the file again (~40 ms each).
            text = sql_literal(str(utf8 or path))
            base = f"read_csv({text}, all_varchar=true, header=true, encoding='utf-8')"
            return _file_export(path, _describe(con, base), numbered=False, relation=base)
        if suffix == ".parquet":
            base = f"read_parquet({p}, file_row_number=true)"
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW __export AS "
                f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS __rn FROM {base}"
            )
        elif suffix in (".jsonl", ".ndjson", ".json"):
            # Names from DuckDB's sample, values read as text: a type guessed from the first
            # rows must not make a later bad value fail the whole file instead of its row.
            base = f"read_json({p}, format='newline_delimited')"
            names = _describe(con, base)
            spec = ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in names)
            base = f"read_json({p}, format='newline_delimited', columns={{{spec}}})"
            return _file_export(path, _describe(con, base), numbered=False, relation=base)
        elif suffix == ".xlsx":
            return _read_xlsx(con, path)
        else:
            raise IngestError(
                f"{path.name}: unsupported file type {suffix!r} "
                f"(readable: {', '.join(sorted(READABLE_SUFFIXES))})"
            )
        columns = _describe(con, "__export")
    except duckdb.Error as exc:
        reason = not_text(exc) or _first_line(exc)
        raise IngestError(f"{path.name}: cannot be read: {reason}") from None
    return _file_export(path, columns)


def sniff_csv_types(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Types DuckDB would guess for a CSV's columns (only used to evaluate `expr` mappings)."""
    try:
        rel = f"read_csv({sql_literal(str(path))}, header=true)"
        return _describe(con, rel)
    except duckdb.Error:
        return {}


def _text_rows(con: duckdb.DuckDBPyConnection, label: str, header: list[str]) -> TextRows:
    """A :class:`~integritas.ingest.rows.TextRows` for ``header``; a header DuckDB cannot
    hold as columns (names equal but for case) is the export's error, not a traceback."""
    from integritas.ingest.rows import TextRows  # it imports this module

    try:
        return TextRows(con, header)
    except duckdb.Error as exc:
        raise IngestError(f"{label}: the header cannot be read: {_first_line(exc)}") from None


def _as_export(con: duckdb.DuckDBPyConnection, rows: TextRows) -> dict[str, str]:
    """Expose the rows as ``__export``; its columns and types."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW __export AS SELECT * FROM {rows.table}")
    return _describe(con, "__export")


def _header(raw: list[Any], label: str) -> list[str]:
    header = [str(v).strip() if v is not None else "" for v in raw]
    problems = []
    if any(not h for h in header):
        problems.append(f"{label}: the header row has an empty column name")
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        problems.append(f"{label}: duplicate column names {dupes}")
    if problems:
        raise IngestError(problems)
    return header


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path) -> Export:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise IngestError(
            f"{path.name}: not a readable XLSX workbook: {_first_line(exc)}"
        ) from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise IngestError(f"{path.name}: the workbook's first sheet is empty")
        header = _header(list(first), path.name)
        n = len(header)
        rows = _text_rows(con, path.name, header)
        # A row is cut or padded to the header; a row of empty cells is no row at all.
        rows.add_all((*r[:n], *(None,) * (n - len(r))) for r in it if any(v is not None for v in r))
    finally:
        wb.close()
    return _file_export(path, _as_export(con, rows))


def read_sql(con: duckdb.DuckDBPyConnection, url: str, query: str) -> Export:
    """Run ``query`` against any SQLAlchemy URL; the result is the export.

    The rows are streamed (a server-side cursor where the driver has one) and land in DuckDB a
    chunk at a time: a result larger than memory is read like a large file.
    """
    import sqlalchemy as sa

    from integritas.ingest.rows import CHUNK_ROWS

    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # bad URL or missing driver
        raise IngestError(f"--sql-url: cannot use this database URL: {_first_line(exc)}") from None
    try:
        with engine.connect() as conn:
            # stream_results, not yield_per: with yield_per, SQLite's result partitions come
            # one row each.
            result = conn.execution_options(stream_results=True).execute(sa.text(query))
            rows = _text_rows(con, "sql query", _header(list(result.keys()), "sql query"))
            for part in result.partitions(CHUNK_ROWS):
                rows.add(part)
    except sa.exc.SQLAlchemyError as exc:
        raise IngestError(f"sql query failed: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    if not rows.rows:
        raise IngestError("sql query returned no rows")
    return Export(
        "sql query", "__export", _as_export(con, rows), digest=known_digest(rows.sha256())
    )
