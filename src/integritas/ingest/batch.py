"""One export -> one atomic batch.

Order of work: validate everything in DuckDB, write the quarantine report, decide against the
tolerance, then write data files under temporary names, rename them, and write the manifest
last. A batch without a committed manifest is invisible and is cleaned up by the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from integritas.catalog.models import Handling, Source, SourceKind
from integritas.ingest.errors import IngestError
from integritas.ingest.layout import manifests, write_manifest
from integritas.ingest.location import (
    Geofences,
    build_duty_windows,
    mark_on_duty,
    site_label_sql,
)
from integritas.ingest.mapping import Mapping
from integritas.ingest.models import BatchResult, BatchStatus, QuarantineRecord
from integritas.ingest.pseudonyms import Pseudonymiser
from integritas.ingest.readers import Export, quote_ident, sql_literal
from integritas.ingest.validate import (
    Staging,
    coordinate_fields,
    e,
    quarantine_reasons,
    stage,
    v,
)
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


def _build_map(
    con: duckdb.DuckDBPyConnection,
    table: str,
    field: str,
    compute: Callable[[list[str]], list[str]],
) -> None:
    """``table(raw, out)``: each distinct staged value of ``field`` and its keyed value.

    Only the outputs travel back into DuckDB, as one literal matched by position: pseudonyms
    and hex hashes hold no separator or quote, whatever bytes the raw values hold, and
    no Python object is registered (that would import pandas: seconds per run).
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_d AS SELECT raw, row_number() OVER (ORDER BY raw) AS i "
        f"FROM (SELECT DISTINCT {v(field)} AS raw FROM __staged WHERE {v(field)} IS NOT NULL)"
    )
    raw = [str(r[0]) for r in con.execute(f"SELECT raw FROM {table}_d ORDER BY i").fetchall()]
    outs = compute(raw)
    if len(outs) != len(raw) or any("," in o or "'" in o for o in outs):
        raise RuntimeError(f"keyed values for {field!r} cannot be matched back by position")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT d.raw, o.out FROM {table}_d d JOIN "
        f"(SELECT unnest(l) AS out, generate_subscripts(l, 1) AS i "
        f"FROM (SELECT string_split({sql_literal(','.join(outs))}, ',') AS l)) o USING (i)"
        if outs
        else f"CREATE OR REPLACE TEMP TABLE {table} (raw VARCHAR, out VARCHAR)"
    )
    con.execute(f"DROP TABLE {table}_d")


def _build_maps(con: duckdb.DuckDBPyConnection, source: Source, ps: Pseudonymiser) -> None:
    """HMAC only the distinct values in Python; DuckDB joins them back (never row by row)."""
    for i, f in enumerate(source.fields):
        if f.handling is Handling.PSEUDONYMISE:
            _build_map(con, f"__map{i}", f.name, lambda xs: list(ps.pseudonyms(xs).values()))
        elif f.handling is Handling.KEYED_HASH:
            _build_map(con, f"__map{i}", f.name, lambda xs: list(ps.keyed_hashes(xs).values()))


def _projection(source: Source, batch_id: str, gf: Geofences) -> tuple[str, str]:
    """SELECT list and JOINs that turn ``__staged`` into curated rows."""
    index = {f.name: i for i, f in enumerate(source.fields)}
    cols, joins = [], []
    for col, f in source.curated_columns().items():
        i = index[f.name]
        if f.handling in (Handling.PSEUDONYMISE, Handling.KEYED_HASH):
            joins.append(f"LEFT JOIN __map{i} m{i} ON m{i}.raw = s.{v(f.name)}")
            cols.append(f"m{i}.out AS {quote_ident(col)}")
        else:
            cols.append(f"s.{v(f.name)} AS {quote_ident(col)}")
    if source.kind is SourceKind.LOCATION:
        lat = next(f.name for f in source.fields if f.handling is Handling.LATITUDE)
        lon = next(f.name for f in source.fields if f.handling is Handling.LONGITUDE)
        cols.append(f"{site_label_sql(gf, 's.' + v(lat), 's.' + v(lon))} AS site_label")
    cols.append(f"{sql_literal(batch_id)} AS _batch_id")
    cols.append("CAST(s.__rn AS BIGINT) AS _row_number")
    return ", ".join(cols), " ".join(joins)


def _person_relation(source: Source) -> str:
    i = next(i for i, f in enumerate(source.fields) if f.name == source.person_field)
    return f"SELECT s.__rn, m.out AS person_id FROM __staged s JOIN __map{i} m ON m.raw = s.{v(source.person_field or '')}"


def _quarantine_table(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    source: Source,
    mapping: Mapping | None,
    staging: Staging,
) -> None:
    coords = coordinate_fields(source)
    parts = []
    for f in source.fields:
        col = staging.export_columns.get(f.name, f.name)
        label = f.name if col == f.name else f"{col} -> {f.name}"
        # Coordinates never leave the door, not even in a rejection report.
        value = "CAST(NULL AS VARCHAR)" if f.name in coords else "q." + quote_ident(f"f:{f.name}")
        parts.append(
            f'SELECT {sql_literal(export.label)} AS file, q.__rn AS "row", '
            f'{sql_literal(label)} AS "column", {value} AS value, q.{e(f.name)} AS reason '
            f"FROM __qrows q WHERE q.{e(f.name)} IS NOT NULL"
        )
    # Raw text was staged for failing rows only; their reasons are derived from it here.
    texts = ", ".join(quote_ident(f"f:{f.name}") for f in source.fields)
    rows = f"(SELECT __rn, {texts} FROM __staged WHERE __rn IN (SELECT __rn FROM __qrns))"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __qrows AS " + quarantine_reasons(source, mapping, rows)
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __q AS "
        + " UNION ALL ".join(parts)
        + ' ORDER BY "row", "column"'
    )


def _copy(con: duckdb.DuckDBPyConnection, sql: str, dest: Path, fmt: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con.execute(f"COPY ({sql}) TO {sql_literal(str(tmp))} ({opts})")
    _pause()
    os.replace(tmp, dest)


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
    map_sha = mapping.sha256 if mapping else None
    for m in manifests(ws, source.name):
        if m.get("file_sha256") == export.sha256 and m.get("mapping_sha256") == map_sha:
            return BatchResult(
                file=export.label,
                source=source.name,
                status=BatchStatus.NO_OP,
                batch_id=m["batch_id"],
                message=f"already ingested as batch {m['batch_id']}",
            )
    started = dt.datetime.now(dt.UTC)
    batch_id = new_batch_id(started)
    keep_reasons: tuple[str, ...] = ()
    if source.kind is SourceKind.LOCATION:
        keep_reasons = (source.person_field or "", source.event_time_field or "")
        # Staged pings hold coordinates and off-duty rows: DuckDB must never spill them to
        # disk (an out-of-memory error is a clear failure; a spill file is a leak).
        con.execute("SET temp_directory = ''")
    staging = stage(con, export, source, mapping, expr_types=expr_types, keep_reasons=keep_reasons)
    rows_read = _scalar(con, "SELECT count(*) FROM __staged")
    if rows_read == 0:
        # A header-only export is a period with nothing to report, not a broken file.
        return BatchResult(
            file=export.label,
            source=source.name,
            status=BatchStatus.SKIPPED,
            message="header only, no data rows: nothing to ingest",
        )
    _build_maps(con, source, Pseudonymiser(ws))

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
    con.execute(f"CREATE OR REPLACE TEMP TABLE __qrns AS SELECT __rn FROM __staged WHERE {qfilter}")
    quarantined = _scalar(con, "SELECT count(*) FROM __qrns")

    qfile: Path | None = None
    sample: tuple[QuarantineRecord, ...] = ()
    counts: tuple[tuple[str, str, int], ...] = ()
    if quarantined:
        _quarantine_table(con, export, source, mapping, staging)
        qfile = ws.quarantine / f"{batch_id}.csv"
        _copy(con, "SELECT * FROM __q", qfile, "csv")
        sample = tuple(
            QuarantineRecord(str(r[0]), int(r[1]), str(r[2]), r[3], str(r[4]))
            for r in con.execute(f"SELECT * FROM __q LIMIT {SAMPLE_SIZE}").fetchall()
        )
        counts = tuple(
            (str(r[0]), str(r[1]), int(r[2]))
            for r in con.execute(
                'SELECT "column", reason, count(*) FROM __q GROUP BY ALL ORDER BY 3 DESC, 1, 2'
            ).fetchall()
        )
    rows_loaded = rows_read - quarantined - dropped_off_duty
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
        return BatchResult(
            status=BatchStatus.REJECTED,
            message=(
                f"{quarantined} of {rows_read} rows ({fraction:.1%}) failed validation, over the "
                f"tolerance of {settings.quarantine_tolerance:.1%}: nothing was stored"
            ),
            **common,  # type: ignore[arg-type]
        )

    select, joins = _projection(source, batch_id, geofences)
    curated = ws.curated / source.name / f"{batch_id}.parquet"
    # Row numbers are columns by now: the writer need not keep rows in order.
    con.execute("SET preserve_insertion_order = false")
    _copy(con, f"SELECT {select} FROM __staged s {joins} WHERE {keep}", curated, "parquet")
    vault_rel: list[str] = []
    vault_fields = source.vault_fields()
    if vault_fields and source.person_field:
        i = next(i for i, f in enumerate(source.fields) if f.name == source.person_field)
        cols = ", ".join(f"s.{v(f.name)} AS {quote_ident(f.name)}" for f in vault_fields)
        vault = ws.vault / source.name / f"{batch_id}.parquet"
        _copy(
            con,
            f"SELECT m.out AS person_id, {cols}, {sql_literal(batch_id)} AS _batch_id, "
            f"CAST(s.__rn AS BIGINT) AS _row_number FROM __staged s "
            f"LEFT JOIN __map{i} m ON m.raw = s.{v(source.person_field)} WHERE {keep}",
            vault,
            "parquet",
        )
        vault.parent.chmod(0o700)
        vault_rel.append(str(vault.relative_to(ws.home)))
    _pause()
    committed = dt.datetime.now(dt.UTC)
    manifest = {
        "batch_id": batch_id,
        "source": source.name,
        "file": export.label,
        "file_sha256": export.sha256,
        "mapping": mapping.path.name if mapping and mapping.path else None,
        "mapping_sha256": map_sha,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": quarantined,
        "rows_dropped_off_duty": dropped_off_duty,
        "columns_dropped": list(staging.columns_dropped),
        "columns_dropped_count": len(staging.columns_dropped),
        "curated_files": [str(curated.relative_to(ws.home))],
        "vault_files": vault_rel,
        "quarantine_file": common["quarantine_file"],
        "started_at": started.isoformat(),
        "committed_at": committed.isoformat(),
        "operator": settings.operator,
        "status": "committed",
    }
    write_manifest(ws, manifest)
    return BatchResult(status=BatchStatus.COMMITTED, rows_loaded=rows_loaded, **common)  # type: ignore[arg-type]
