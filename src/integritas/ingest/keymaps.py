"""The keyed maps of a batch: each distinct identifier pseudonymised once, joined back by DuckDB.

``__map<i>(raw, out)`` holds, for the i-th declared field that is pseudonymised or keyed-hashed,
every distinct staged value and its keyed value; the curated write joins the staged rows to
it (``integritas.ingest.batch``). The HMACs are computed in Python over the distinct values
only, never row by row.
"""

from __future__ import annotations

import duckdb

from integritas.catalog.models import Handling, Source
from integritas.ingest.checks import v
from integritas.ingest.pseudonyms import Pseudonymiser, keyed_sql
from integritas.ingest.readers import sql_literal
from integritas.ingest.validate import Staging


def build_map(
    con: duckdb.DuckDBPyConnection,
    table: str,
    field: str,
    ps: Pseudonymiser,
    *,
    hashed: bool,
    values: str | None = None,
) -> None:
    """``table(raw, out)``: each distinct staged value of ``field`` and its keyed value.

    Only the digests travel back into DuckDB, as one hex literal matched by position (hex
    holds no separator or quote, whatever bytes the raw values hold), and DuckDB encodes them
    (``keyed_sql``). Not a parameter, nor a registered Python object: binding either imports
    numpy, pandas and pyarrow (~0.3 s a run).
    """
    values = values or f"SELECT DISTINCT {v(field)} AS raw FROM __staged"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_d AS SELECT raw, row_number() OVER (ORDER BY raw) AS i "
        f"FROM ({values}) WHERE raw IS NOT NULL"
    )
    raw = [str(r[0]) for r in con.execute(f"SELECT raw FROM {table}_d ORDER BY i").fetchall()]
    if raw:
        digests = ps.digests_hex(raw, hashed=hashed)
        if digests.count(",") != len(raw) - 1:
            raise RuntimeError(f"keyed values for {field!r} cannot be matched back by position")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT d.raw, "
            f"{keyed_sql('o.h', hashed=hashed)} AS out FROM {table}_d d JOIN "
            "(SELECT unnest(l) AS h, generate_subscripts(l, 1) AS i "
            f"FROM (SELECT string_split({sql_literal(digests)}, ',') AS l)) o USING (i)"
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (raw VARCHAR, out VARCHAR)")
    con.execute(f"DROP TABLE {table}_d")


def build_maps(
    con: duckdb.DuckDBPyConnection, source: Source, staging: Staging, ps: Pseudonymiser
) -> None:
    """HMAC only the distinct values in Python; DuckDB joins them back (never row by row)."""
    for i, f in enumerate(source.fields):
        if f.handling in (Handling.PSEUDONYMISE, Handling.KEYED_HASH):
            build_map(
                con,
                f"__map{i}",
                f.name,
                ps,
                hashed=f.handling is Handling.KEYED_HASH,
                values=staging.distinct.get(f.name),
            )
