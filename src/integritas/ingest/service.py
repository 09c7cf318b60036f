"""Ingest service: what the CLI and other packages call.

``ingest_path`` takes a file or a folder of exports; ``ingest_sql`` a query against any
SQLAlchemy URL; ``list_batches`` the committed manifests. One ingest runs at a time per
workspace (a file lock), and each run first removes what a killed run left behind.
"""

from __future__ import annotations

import fcntl
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from integritas.catalog.models import Source, SourceKind
from integritas.catalog.registry import catalog
from integritas.ingest.batch import ingest_export
from integritas.ingest.encodings import UTF8, transcode
from integritas.ingest.errors import IngestError
from integritas.ingest.layout import manifests
from integritas.ingest.location import Geofences, load_geofences, store_geofences
from integritas.ingest.mapping import Mapping, folder_mappings, load_mapping
from integritas.ingest.models import BatchResult, BatchStatus, IngestReport
from integritas.ingest.readers import READABLE_SUFFIXES, read_file, read_sql, sniff_csv_types
from integritas.ingest.views import refresh_views
from integritas.settings import IngestSettings, Workspace

# Sources other sources depend on at the door come first; location needs duty windows.
_ORDER = {"hr_master": 0, "unit_tree": 1, "duty_roster": 2, "device_location": 9}


@dataclass(frozen=True)
class BatchInfo:
    batch_id: str
    source: str
    file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_dropped_off_duty: int
    committed_at: str
    operator: str


@contextmanager
def _workspace_lock(ws: Workspace) -> Iterator[None]:
    with (ws.home / ".ingest.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cleanup_leftovers(ws: Workspace) -> list[Path]:
    """Remove temp files and data files of batches that never committed (killed runs)."""
    committed = {m["batch_id"] for m in manifests(ws)}
    removed: list[Path] = []
    for plane in (ws.curated, ws.vault):
        for path in plane.glob("*/*"):
            if not path.is_file():
                continue
            if path.name.endswith(".tmp") or (
                path.suffix == ".parquet" and path.stem not in committed
            ):
                path.unlink(missing_ok=True)
                removed.append(path)
    for folder in (ws.quarantine, ws.batches):
        for path in folder.glob(".*.tmp"):
            path.unlink(missing_ok=True)
            removed.append(path)
    shutil.rmtree(ws.home / ".ingest-tmp", ignore_errors=True)
    return removed


def _connect(ws: Workspace, source: Source) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if source.kind is SourceKind.LOCATION:
        # Pings read, staged or transcoded hold coordinates and off-duty rows: DuckDB must
        # never spill them to disk (an out-of-memory error is a clear failure; a spill file
        # is a leak). Set before the first byte is read: a SQL result lands in DuckDB as read.
        con.execute("SET temp_directory = ''")
    else:
        spill = ws.home / ".ingest-tmp"
        spill.mkdir(exist_ok=True)
        con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET enable_progress_bar = false")  # the CLI prints its own summary
    return con


def _source(name: str) -> Source:
    try:
        return catalog()[name]
    except KeyError as exc:
        raise IngestError(str(exc.args[0])) from None


def _resolve(
    path: Path, source: str | None, mapping: Mapping | None, found: list[Mapping]
) -> tuple[Source, Mapping | None]:
    if mapping is None:
        mapping = next((m for m in found if m.matches(path.name)), None)
    if mapping is not None:
        if source and source != mapping.source:
            raise IngestError(
                f"{path.name}: --source {source} but the mapping is for {mapping.source}"
            )
        return _source(mapping.source), mapping
    name = source or path.stem
    if name not in catalog():
        raise IngestError(
            f"{path.name}: unknown source {name!r}: name the file after a declared source, "
            "give --source, or add a mapping with a matching 'match' glob "
            f"(declared: {', '.join(catalog())})"
        )
    return _source(name), None


def _failed(label: str, source: str | None, exc: IngestError) -> BatchResult:
    return BatchResult(
        file=label,
        source=source,
        status=BatchStatus.FAILED,
        problems=tuple(exc.problems),
        message="; ".join(exc.problems[:3]),
    )


def _refresh(ws: Workspace, result: BatchResult) -> BatchResult:
    # A no-op refreshes too: a run killed after its manifest but before this step left the
    # batch committed and the views stale; re-running the same ingest must mend them.
    if result.status not in (BatchStatus.COMMITTED, BatchStatus.NO_OP):
        return result
    try:
        refresh_views(ws)
    except duckdb.Error as exc:  # warehouse held open by another process: data is committed
        from dataclasses import replace

        said = result.message or "committed"
        return replace(result, message=f"{said}; warehouse views not refreshed: {exc}")
    return result


def _ingest_file(
    ws: Workspace,
    path: Path,
    source: Source,
    mapping: Mapping | None,
    settings: IngestSettings,
    gf: Geofences,
) -> BatchResult:
    con = _connect(ws, source)
    utf8: Path | None = None
    try:
        utf8 = _utf8_copy(ws, path, source, mapping)
        export = read_file(con, path, utf8)
        expr_types = None
        if mapping and any(r.expr for r in mapping.rules) and path.suffix.lower() == ".csv":
            expr_types = sniff_csv_types(con, utf8 or path)
        return ingest_export(
            ws, con, export, source, mapping, settings=settings, geofences=gf, expr_types=expr_types
        )
    finally:
        con.close()
        if utf8 is not None:
            utf8.unlink(missing_ok=True)


def _utf8_copy(ws: Workspace, path: Path, source: Source, mapping: Mapping | None) -> Path | None:
    """The export's text as UTF-8 in the scratch folder (removed after the ingest, or by
    ``cleanup_leftovers`` after a crash) where its mapping names another encoding."""
    encoding = mapping.encoding if mapping else None
    if encoding in (None, UTF8):
        return None
    if path.suffix.lower() not in (".csv", ".txt"):
        raise IngestError(f"{path.name}: an encoding ({encoding}) applies to CSV exports only")
    if source.kind is SourceKind.LOCATION:
        # Pings may touch the disk only after the on-duty filter; a copy would hold them all.
        raise IngestError(f"{path.name}: device location exports must be UTF-8 ({encoding} given)")
    dest = ws.home / ".ingest-tmp" / f"{uuid.uuid4().hex}.csv"
    transcode(path, encoding, dest)
    return dest


def ingest_path(
    ws: Workspace,
    path: Path,
    *,
    source: str | None = None,
    mapping: Path | None = None,
    geofences: Path | None = None,
    settings: IngestSettings | None = None,
) -> IngestReport:
    """Ingest one export file or every export in a folder; one batch per file."""
    settings = settings or IngestSettings()
    path = Path(path)
    results: list[BatchResult] = []
    with _workspace_lock(ws):
        cleanup_leftovers(ws)
        try:
            if geofences is not None:
                store_geofences(ws, geofences)
            elif path.is_dir() and (path / "geofences.yaml").exists():
                store_geofences(ws, path / "geofences.yaml")
            gf = load_geofences(ws)
            explicit = load_mapping(mapping) if mapping else None
            if path.is_dir():
                found = folder_mappings(path)
                files = sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in READABLE_SUFFIXES
                    and not p.name.startswith(".")
                )
                if not files:
                    raise IngestError(
                        f"{path}: no exports found ({', '.join(sorted(READABLE_SUFFIXES))})"
                    )
            elif path.exists():
                found, files = [], [path]
            else:
                raise IngestError(f"{path}: no such file or folder")
        except IngestError as exc:
            return IngestReport([_failed(str(path), source, exc)])
        plan: list[tuple[Path, Source, Mapping | None]] = []
        for f in files:
            try:
                src, m = _resolve(f, source, explicit, found)
                plan.append((f, src, m))
            except IngestError as exc:
                if path.is_dir() and source is None and f.stem not in catalog():
                    # A folder may hold other files (ground truth, notes): list, do not fail.
                    results.append(
                        BatchResult(
                            file=f.name,
                            source=None,
                            status=BatchStatus.SKIPPED,
                            message="feeds no declared source and no mapping matches it",
                        )
                    )
                else:
                    results.append(_failed(f.name, source, exc))
        plan.sort(key=lambda t: (_ORDER.get(t[1].name, 5), t[0].name))
        for f, src, m in plan:
            try:
                result = _ingest_file(ws, f, src, m, settings, gf)
            except IngestError as exc:
                result = _failed(f.name, src.name, exc)
            results.append(_refresh(ws, result))
    return IngestReport(results)


def ingest_sql(
    ws: Workspace,
    url: str,
    query: str,
    *,
    source: str,
    mapping: Path | None = None,
    settings: IngestSettings | None = None,
) -> IngestReport:
    """Ingest the result of ``query`` run against the SQLAlchemy ``url`` as ``source``."""
    settings = settings or IngestSettings()
    with _workspace_lock(ws):
        cleanup_leftovers(ws)
        con: duckdb.DuckDBPyConnection | None = None
        try:
            src = _source(source)
            con = _connect(ws, src)
            m = load_mapping(mapping) if mapping else None
            if m and m.source != source:
                raise IngestError(f"--source {source} but the mapping is for {m.source}")
            export = read_sql(con, url, query)
            result = ingest_export(
                ws, con, export, src, m, settings=settings, geofences=load_geofences(ws)
            )
        except IngestError as exc:
            result = _failed("sql query", source, exc)
        finally:
            if con is not None:
                con.close()
        return IngestReport([_refresh(ws, result)])


def list_batches(ws: Workspace, source: str | None = None) -> list[BatchInfo]:
    return [
        BatchInfo(
            batch_id=m["batch_id"],
            source=m["source"],
            file=m.get("file", ""),
            rows_read=int(m.get("rows_read", 0)),
            rows_loaded=int(m.get("rows_loaded", 0)),
            rows_quarantined=int(m.get("rows_quarantined", 0)),
            rows_dropped_off_duty=int(m.get("rows_dropped_off_duty", 0)),
            committed_at=str(m.get("committed_at", "")),
            operator=str(m.get("operator", "")),
        )
        for m in manifests(ws, source)
    ]
