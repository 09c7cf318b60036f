"""One export -> one atomic batch.

Order of work: stage (validate) in DuckDB, pseudonymise each distinct identifier once, write
the curated file under a temporary name in one pass (the writer counts the rows it kept),
write the quarantine report of the rest, decide against the tolerance (over it: drop the
temporary file), then write the vault file, rename the data files into place and write the
manifest last. A batch without a committed manifest is invisible and is cleaned up by the
next run.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from integritas.catalog.models import Handling, Source, SourceKind
from integritas.ingest.errors import IngestError
from integritas.ingest.keymaps import build_maps
from integritas.ingest.layout import curated_files, manifests, write_manifest
from integritas.ingest.location import (
    Geofences,
    build_duty_windows,
    mark_on_duty,
    site_label_sql,
)
from integritas.ingest.mapping import Mapping
from integritas.ingest.models import BatchResult, BatchStatus, QuarantineRecord
from integritas.ingest.pseudonyms import Pseudonymiser
from integritas.ingest.quarantine import IN_ORDER, quarantine_summary, stage_quarantine
from integritas.ingest.readers import Export, parquet_scan, quote_ident, sql_literal
from integritas.ingest.validate import Staging, e, stage, unreadable, v
from integritas.settings import IngestSettings, Workspace

SAMPLE_SIZE = 10
TEST_SLEEP_ENV = "INTEGRITAS_INGEST_TEST_SLEEP"  # test hook: seconds to pause between commit steps


def new_batch_id(now: dt.datetime) -> str:
    return f"B-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def _pause() -> None:
    delay = os.environ.get(TEST_SLEEP_ENV)
    if delay:
        time.sleep(float(delay))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _projection(source: Source, batch_id: str, gf: Geofences) -> tuple[str, str]:
    """SELECT list and JOINs that turn ``__staged`` into curated rows."""
    index = {f.name: i for i, f in enumerate(source.fields)}
    cols, joins = [], []
    for col, f in source.curated_columns().items():
        i = index[f.name]
        if f.handling in (Handling.PSEUDONYMISE, Handling.KEYED_HASH):
            joins.append(f"LEFT JOIN __map{i} m{i} ON m{i}.raw = s.{v(f.name)}")
            cols.append(f"m{i}.out AS {quote_ident(col)}")
        elif f.values:
            cols.append(f"{as_enum('s.' + v(f.name), f.values)} AS {quote_ident(col)}")
        else:
            cols.append(f"s.{v(f.name)} AS {quote_ident(col)}")
    if source.kind is SourceKind.LOCATION:
        lat = next(f.name for f in source.fields if f.handling is Handling.LATITUDE)
        lon = next(f.name for f in source.fields if f.handling is Handling.LONGITUDE)
        cols.append(f"{site_label_sql(gf, 's.' + v(lat), 's.' + v(lon))} AS site_label")
    cols.append(f"{as_enum(sql_literal(batch_id), (batch_id,))} AS _batch_id")
    cols.append("CAST(s.__rn AS BIGINT) AS _row_number")
    return ", ".join(cols), " ".join(joins)


def as_enum(value: str, values: tuple[str, ...]) -> str:
    """``value`` (a validated code or the batch id) as a DuckDB ENUM of ``values``.

    The Parquet writer takes an ENUM's dictionary as it is instead of hashing every string
    (a 10M-row code column alone: 0.36 CPU seconds instead of 0.46; a 10M-row badge_access
    ingest: ~0.6 CPU seconds less, 4-7 %); the file holds the same dictionary-encoded
    strings, read back as VARCHAR (DuckDB) or string (Spark, pyarrow). Only validated values
    reach the cast, so every value is a member.
    """
    members = ", ".join(sql_literal(x) for x in dict.fromkeys(values))
    return f"CAST({value} AS ENUM({members}))"


def _person_relation(source: Source) -> str:
    i = next(i for i, f in enumerate(source.fields) if f.name == source.person_field)
    return f"SELECT s.__rn, m.out AS person_id FROM __staged s JOIN __map{i} m ON m.raw = s.{v(source.person_field or '')}"


def _files(ws: Workspace, source: Source, batch_id: str) -> tuple[Path, Path]:
    """The batch's curated and vault data files."""
    name = f"{batch_id}.parquet"
    return ws.curated / source.name / name, ws.vault / source.name / name


def _tmp(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.tmp")


# Parquet writer: give up a column's dictionary once it passes 4,096 distinct values in a row
# group (DuckDB's default waits for a fifth of the row group, 24,576). Near-unique columns
# (ids, times, row numbers, the pseudonyms of a large force) never keep one and the wait
# costs ~15% of the write; codes, sites and units stay dictionary-encoded.
PARQUET = "FORMAT parquet, DICTIONARY_SIZE_LIMIT 4096"


def _write(
    con: duckdb.DuckDBPyConnection, sql: str, dest: Path, fmt: str, *, one_pass: bool = False
) -> int:
    """COPY ``sql`` to ``dest``'s temporary name; the rows written, counted by the writer.

    ``one_pass``: ``sql`` filters on expressions of a view; pushing that filter down would
    evaluate the whole validation twice (in the filter and again in the projection).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    opts = PARQUET if fmt == "parquet" else "FORMAT csv, HEADER true"
    if one_pass:
        con.execute("SET disabled_optimizers = 'filter_pushdown'")
    try:
        row = con.execute(f"COPY ({sql}) TO {sql_literal(str(_tmp(dest)))} ({opts})").fetchone()
    finally:
        if one_pass:
            con.execute("RESET disabled_optimizers")
    _pause()
    return int(row[0]) if row else 0


def _already_ingested(
    ws: Workspace, export: Export, source: Source, mapping: Mapping | None
) -> str | None:
    """The committed batch of an identical export (same bytes, same mapping), if any.

    Only a batch of the same size can match: when there is none, the hash still being
    computed alongside this ingest is not waited for (it is needed again for the manifest).
    """
    map_sha = mapping.sha256 if mapping else None
    same = [
        m
        for m in manifests(ws, source.name)
        if m.get("mapping_sha256") == map_sha and m.get("file_bytes", export.size) == export.size
    ]
    return next((m["batch_id"] for m in same if m.get("file_sha256") == export.sha256), None)


@contextmanager
def _writing(
    export: Export, mapping: Mapping | None, staging: Staging, *dests: Path
) -> Iterator[None]:
    """Drop this batch's temporary files if it fails. Over a view, the export is read only
    now: a DuckDB error then is the file's (a bad value found late), reported as such."""
    try:
        yield
    except BaseException as exc:
        for dest in dests:
            _tmp(dest).unlink(missing_ok=True)
        if staging.is_view and isinstance(exc, duckdb.Error):
            raise unreadable(export, mapping, exc) from None
        raise


def ingest_export(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    export: Export,
    source: Source,
    mapping: Mapping | None,
    *,
    settings: IngestSettings,
    geofences: Geofences,
    expr_types: dict[str, str] | None = None,
) -> BatchResult:
    """Validate, minimise and commit one export. Raises IngestError for unreadable input."""
    if not source.active:
        raise IngestError(
            f"source {source.name!r} is inactive and cannot be ingested: "
            + "; ".join(source.inactive_reasons())
        )
    done = _already_ingested(ws, export, source, mapping)
    if done is not None:
        return BatchResult(
            file=export.label,
            source=source.name,
            status=BatchStatus.NO_OP,
            batch_id=done,
            message=f"already ingested as batch {done}",
        )
    started = dt.datetime.now(dt.UTC)
    batch_id = new_batch_id(started)
    located = source.kind is SourceKind.LOCATION
    keep_reasons: tuple[str, ...] = ()
    if located:
        keep_reasons = (source.person_field or "", source.event_time_field or "")
        # Staged pings hold coordinates and off-duty rows: DuckDB must never spill them to
        # disk (an out-of-memory error is a clear failure; a spill file is a leak).
        con.execute("SET temp_directory = ''")
    staging = stage(
        con,
        export,
        source,
        mapping,
        expr_types=expr_types,
        keep_reasons=keep_reasons,
        materialise=located,
    )
    with _writing(export, mapping, staging, *_files(ws, source, batch_id)):
        return _commit(
            ws, con, export, source, mapping, staging, batch_id, started, settings, geofences
        )


def _commit(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    export: Export,
    source: Source,
    mapping: Mapping | None,
    staging: Staging,
    batch_id: str,
    started: dt.datetime,
    settings: IngestSettings,
    geofences: Geofences,
) -> BatchResult:
    """Write the batch's files under temporary names, count from the writes, then decide.

    The curated file is written before the quarantine is known: rows are counted once, by
    the writer, instead of by passes over the export. A batch over the tolerance then drops
    its temporary files; nothing is renamed into place before the decision.
    """
    rows_read = _scalar(con, "SELECT count(*) FROM __staged")
    if rows_read == 0:
        # A header-only export is a period with nothing to report, not a broken file.
        return BatchResult(
            file=export.label,
            source=source.name,
            status=BatchStatus.SKIPPED,
            message="header only, no data rows: nothing to ingest",
        )
    build_maps(con, source, staging, Pseudonymiser(ws))

    keep = "NOT s.__bad"
    qfilter = "__bad"
    dropped_off_duty = 0
    if source.kind is SourceKind.LOCATION:
        person, when = source.person_field or "", source.event_time_field or ""
        build_duty_windows(con, ws, settings.duty_tolerance_minutes)
        mark_on_duty(con, _person_relation(source), v(when))
        known = f"{e(person)} IS NULL AND {e(when)} IS NULL"
        dropped_off_duty = _scalar(
            con,
            f"SELECT count(*) FROM __staged WHERE {known} "
            "AND __rn NOT IN (SELECT __rn FROM __on_duty)",
        )
        keep += " AND s.__rn IN (SELECT __rn FROM __on_duty)"
        # An off-duty ping is never written, not even to quarantine.
        qfilter += f" AND NOT ({known} AND __rn NOT IN (SELECT __rn FROM __on_duty))"

    select, joins = _projection(source, batch_id, geofences)
    curated, vault = _files(ws, source, batch_id)
    # Row numbers are columns by now: the writer need not keep rows in order.
    con.execute("SET preserve_insertion_order = false")
    rows_loaded = _write(
        con,
        f"SELECT {select} FROM __staged s {joins} WHERE {keep}",
        curated,
        "parquet",
        one_pass=staging.is_view,
    )
    # Every row read is loaded, quarantined or dropped off duty, exactly one of the three.
    quarantined = rows_read - rows_loaded - dropped_off_duty

    qfile: Path | None = None
    sample: tuple[QuarantineRecord, ...] = ()
    counts: tuple[tuple[str, str, int], ...] = ()
    if quarantined:
        staged = stage_quarantine(con, export, source, mapping, staging, qfilter)
        if staged != quarantined:  # the writer's count and the filters disagree: a bug, stop
            raise RuntimeError(f"{quarantined} rows not loaded but {staged} quarantined")
        qfile = ws.quarantine / f"{batch_id}.csv"
        _write(con, IN_ORDER, qfile, "csv")
        os.replace(_tmp(qfile), qfile)
        sample, counts = quarantine_summary(con, SAMPLE_SIZE)
    common = dict(
        file=export.label,
        source=source.name,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_quarantined=quarantined,
        rows_dropped_off_duty=dropped_off_duty,
        columns_dropped=staging.columns_dropped,
        quarantine_file=str(qfile.relative_to(ws.home)) if qfile else None,
        quarantine_sample=sample,
        quarantine_counts=counts,
    )
    fraction = quarantined / rows_read
    if fraction > settings.quarantine_tolerance:
        _tmp(curated).unlink(missing_ok=True)
        return BatchResult(
            status=BatchStatus.REJECTED,
            message=(
                f"{quarantined} of {rows_read} rows ({fraction:.1%}) failed validation, over the "
                f"tolerance of {settings.quarantine_tolerance:.1%}: nothing was stored"
            ),
            **common,  # type: ignore[arg-type]
        )

    superseding = _superseding(ws, con, source, _tmp(curated))
    written = [curated]
    vault_fields = source.vault_fields()
    if vault_fields and source.person_field:
        i = next(i for i, f in enumerate(source.fields) if f.name == source.person_field)
        cols = ", ".join(
            f"{staging.trimmed(f.name, 's.')} AS {quote_ident(f.name)}" for f in vault_fields
        )
        vault.parent.mkdir(parents=True, exist_ok=True)
        vault.parent.chmod(0o700)  # private before identity data lands in it
        _write(
            con,
            f"SELECT m.out AS person_id, {cols}, {sql_literal(batch_id)} AS _batch_id, "
            f"CAST(s.__rn AS BIGINT) AS _row_number FROM __staged s "
            f"LEFT JOIN __map{i} m ON m.raw = s.{v(source.person_field)} WHERE {keep}",
            vault,
            "parquet",
            one_pass=staging.is_view,
        )
        written.append(vault)
    for dest in written:
        os.replace(_tmp(dest), dest)
    _pause()
    committed = dt.datetime.now(dt.UTC)
    manifest = {
        "batch_id": batch_id,
        "source": source.name,
        "file": export.label,
        "file_sha256": export.sha256,
        "file_bytes": export.size,
        "mapping": mapping.path.name if mapping and mapping.path else None,
        "mapping_sha256": mapping.sha256 if mapping else None,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": quarantined,
        "rows_dropped_off_duty": dropped_off_duty,
        "rows_superseding": superseding,
        "columns_dropped": list(staging.columns_dropped),
        "columns_dropped_count": len(staging.columns_dropped),
        "curated_files": [str(curated.relative_to(ws.home))],
        "vault_files": [str(f.relative_to(ws.home)) for f in written[1:]],
        "quarantine_file": common["quarantine_file"],
        "started_at": started.isoformat(),
        "committed_at": committed.isoformat(),
        "operator": settings.operator,
        "status": "committed",
    }
    write_manifest(ws, manifest)
    return BatchResult(
        status=BatchStatus.COMMITTED,
        rows_loaded=rows_loaded,
        rows_superseding=superseding,
        **common,  # type: ignore[arg-type]
    )


def _superseding(ws: Workspace, con: duckdb.DuckDBPyConnection, source: Source, new: Path) -> int:
    """Rows of the new batch whose key a committed batch of the source already holds (an
    overlapping or corrected re-export): the analytical plane keeps the latest of each."""
    key = source.curated_key()
    held = curated_files(ws, source.name)
    if not key or not held:
        return 0
    cols = ", ".join(quote_ident(c) for c in key)
    return _scalar(
        con,
        f"SELECT count(*) FROM (SELECT {cols} FROM {parquet_scan([new])}) n "
        f"SEMI JOIN (SELECT {cols} FROM {parquet_scan(held)}) o USING ({cols})",
    )
