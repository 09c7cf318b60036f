"""DuckDB views in ``warehouse.duckdb``: one per source over its committed curated files."""

from __future__ import annotations

import duckdb

from integritas.catalog.models import FieldType, SourceKind
from integritas.catalog.registry import catalog
from integritas.engine import duck
from integritas.ingest.layout import curated_files_by_source
from integritas.ingest.readers import quote_ident, sql_literal
from integritas.settings import Workspace

_SQL_TYPES = {
    FieldType.STRING: "VARCHAR",
    FieldType.INTEGER: "BIGINT",
    FieldType.FLOAT: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DATE: "DATE",
    FieldType.TIMESTAMP: "TIMESTAMP",
}


def refresh_views(ws: Workspace, *, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """(Re)create one view per declared source; sources with no data get an empty typed view.

    Pass ``con`` to use an open warehouse connection; otherwise the warehouse is opened here.
    Returns the names of the views created.
    """
    own = con is None
    conn = con if con is not None else duck.connect(ws, ws.warehouse)
    names = []
    by_source = curated_files_by_source(ws)
    try:
        if own:  # one commit (one sync of the warehouse file) for all the views, not one each
            conn.execute("BEGIN TRANSACTION")
        for name, src in catalog().items():
            files = by_source.get(name, [])
            if files:
                lst = "[" + ", ".join(sql_literal(str(f)) for f in files) + "]"
                body = f"SELECT * FROM read_parquet({lst}, union_by_name=true)"
            else:
                cols = []
                for col, f in src.curated_columns().items():
                    cols.append(f"CAST(NULL AS {_SQL_TYPES[f.type]}) AS {quote_ident(col)}")
                if src.kind is SourceKind.LOCATION:
                    cols.append("CAST(NULL AS VARCHAR) AS site_label")
                cols += [
                    "CAST(NULL AS VARCHAR) AS _batch_id",
                    "CAST(NULL AS BIGINT) AS _row_number",
                ]
                body = f"SELECT {', '.join(cols)} WHERE false"
            conn.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS {body}")
            names.append(name)
        if own:
            conn.execute("COMMIT")
    finally:
        if own:
            conn.close()
    return names
