"""The quarantine report: every failing row's reasons, by file, row and column."""

from __future__ import annotations

import duckdb

from integritas.catalog.models import Source
from integritas.ingest.mapping import Mapping
from integritas.ingest.models import QuarantineRecord
from integritas.ingest.readers import Export, quote_ident, sql_literal
from integritas.ingest.validate import Staging, coordinate_fields, e, quarantine_reasons

QUARANTINE = "__q"  # (file, row, column, value, reason)
# Reports list rows in file order; said on every read, whatever the connection's
# preserve_insertion_order (the curated write turns it off).
IN_ORDER = f'SELECT * FROM {QUARANTINE} ORDER BY "row", "column"'


def stage_quarantine(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    source: Source,
    mapping: Mapping | None,
    staging: Staging,
    where: str,
) -> int:
    """Build ``__q`` from the staged rows matching ``where`` (one scan of ``__staged``).

    Returns the number of rows quarantined.
    """
    # Raw text was staged for failing rows only; their reasons are derived from it here.
    rows = f"(SELECT __rn, {staging.text_columns()} FROM __staged WHERE {where})"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __qrows AS " + quarantine_reasons(source, mapping, rows)
    )
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
    con.execute(f"CREATE OR REPLACE TEMP TABLE {QUARANTINE} AS " + " UNION ALL ".join(parts))
    found = con.execute("SELECT count(DISTINCT __rn) FROM __qrows").fetchone()
    return int(found[0]) if found else 0


def quarantine_summary(
    con: duckdb.DuckDBPyConnection, sample_size: int
) -> tuple[tuple[QuarantineRecord, ...], tuple[tuple[str, str, int], ...]]:
    """The first records of ``__q`` and its (column, reason, rows) counts, commonest first."""
    sample = tuple(
        QuarantineRecord(str(r[0]), int(r[1]), str(r[2]), r[3], str(r[4]))
        for r in con.execute(f"{IN_ORDER} LIMIT {sample_size}").fetchall()
    )
    counts = tuple(
        (str(r[0]), str(r[1]), int(r[2]))
        for r in con.execute(
            f'SELECT "column", reason, count(*) FROM {QUARANTINE} '
            "GROUP BY ALL ORDER BY 3 DESC, 1, 2"
        ).fetchall()
    )
    return sample, counts
