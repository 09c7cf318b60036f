"""Map and validate an export in one SQL pass.

``stage`` defines ``__staged`` over the export: ``__rn``, per declared field its typed value
(``v:<field>``), ``__bad`` (some field fails its check), the reasons (``e:<field>``) of the
fields in ``keep_reasons`` only and, for failing rows only, the trimmed text as exported
(``f:<field>``). ``quarantine_reasons`` turns that text into every field's reason for the
failing rows.

Where the export can be scanned again cheaply and carries its own row numbers (Parquet, and
the in-memory XLSX and SQL results), ``__staged`` is a view: the curated file is written
straight from the export in one pass, validation included, and nothing is materialised.
Exports without their own row numbers (CSV, JSON lines) are staged into a table in file order
and numbered by insertion order (``rowid + 1``): a ``row_number() OVER ()`` window would
serialise the scan, and parsing the text twice would cost more than keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from integritas.catalog.models import FieldSpec, FieldType, Handling, Source
from integritas.ingest.errors import IngestError
from integritas.ingest.mapping import ColumnRule, Mapping
from integritas.ingest.readers import Export, quote_ident, sql_literal

TRUE_WORDS = ("true", "yes", "y", "1", "t")
FALSE_WORDS = ("false", "no", "n", "0", "f")


@dataclass(frozen=True)
class Staging:
    fields: tuple[FieldSpec, ...]
    export_columns: dict[str, str]  # field -> export column it was read from (for messages)
    columns_dropped: tuple[str, ...]
    is_view: bool = False  # ``__staged`` is computed from the export on every scan


def v(name: str) -> str:
    return quote_ident(f"v:{name}")


def e(name: str) -> str:
    return quote_ident(f"e:{name}")


def _find_column(columns: dict[str, str], name: str) -> str | None:
    if name in columns:
        return name
    folded = {c.lower().strip(): c for c in columns}
    return folded.get(name.lower())


def _clean(ref: str) -> str:
    """``NULLIF(trim(x), '')``, skipping trim() for the usual value that needs none.

    trim() strips Unicode space separators (and walks every character to find them), so the
    fast path takes only a value that starts with printable ASCII (a bytewise comparison,
    cheaper than starts_with), does not end in a space and is ASCII throughout.
    """
    return (
        f"CASE WHEN {ref} >= '!' AND {ref} < chr(127) AND NOT ends_with({ref}, ' ') "
        f"AND strlen({ref}) = length({ref}) THEN {ref} ELSE NULLIF(trim({ref}), '') END"
    )


def _raw_expr(rule: ColumnRule | None, field: FieldSpec, col: str | None) -> str:
    if rule is not None and rule.value is not None:
        return sql_literal(rule.value)
    if rule is not None and rule.expr is not None:
        return f"CAST(({rule.expr}) AS VARCHAR)"
    if col is None:
        return "CAST(NULL AS VARCHAR)"
    text = _clean(quote_ident("r:" + col))
    if rule is not None and rule.codes:
        whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(val)}" for k, val in rule.codes)
        text = f"CASE {text} {whens} ELSE {text} END"
    return text


# Export column types a field can take as they are, skipping a round trip through text.
_NATIVE = {
    FieldType.INTEGER: ("BIGINT", "INTEGER", "SMALLINT", "TINYINT"),
    FieldType.FLOAT: ("DOUBLE", "FLOAT"),
    FieldType.BOOLEAN: ("BOOLEAN",),
    FieldType.DATE: ("DATE",),
    FieldType.TIMESTAMP: ("TIMESTAMP",),
}
_SQL = {
    FieldType.INTEGER: "BIGINT",
    FieldType.FLOAT: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DATE: "DATE",
    FieldType.TIMESTAMP: "TIMESTAMP",
}


def _is_native(field: FieldSpec, rule: ColumnRule | None, col_type: str | None) -> bool:
    """A typed export column (Parquet, JSON) that already holds the field's type."""
    return (
        rule is None
        and col_type is not None
        and not field.values
        and col_type in _NATIVE.get(field.type, ())
    )


def _ref(field: FieldSpec, native: bool) -> str:
    return quote_ident(f"{'t' if native else 'f'}:{field.name}")


def _typed(field: FieldSpec, fmt: str | None, native: bool = False) -> str:
    r = _ref(field, native)
    t = field.type
    if native:
        if t is FieldType.FLOAT:
            return f"CASE WHEN isfinite({r}) THEN CAST({r} AS DOUBLE) END"
        return f"CAST({r} AS {_SQL[t]})"
    if field.values:
        whens = " ".join(
            f"WHEN {sql_literal(x.lower())} THEN {sql_literal(x)}" for x in field.values
        )
        return f"CASE lower({r}) {whens} END"
    if t is FieldType.STRING:
        return r
    if t is FieldType.INTEGER:
        return f"TRY_CAST({r} AS BIGINT)"
    if t is FieldType.FLOAT:
        return f"CASE WHEN isfinite(TRY_CAST({r} AS DOUBLE)) THEN TRY_CAST({r} AS DOUBLE) END"
    if t is FieldType.BOOLEAN:
        yes = ", ".join(map(sql_literal, TRUE_WORDS))
        no = ", ".join(map(sql_literal, FALSE_WORDS))
        return f"CASE WHEN lower({r}) IN ({yes}) THEN true WHEN lower({r}) IN ({no}) THEN false END"
    if t is FieldType.DATE:
        if fmt:
            return f"CAST(try_strptime({r}, {sql_literal(fmt)}) AS DATE)"
        return f"TRY_CAST({r} AS DATE)"
    if fmt:
        return f"CAST(try_strptime({r}, {sql_literal(fmt)}) AS TIMESTAMP)"
    return f"TRY_CAST({r} AS TIMESTAMP)"


def _reason(field: FieldSpec, fmt: str | None, native: bool = False) -> str:
    r = _ref(field, native)
    val = v(field.name)
    missing = "'missing required value'" if not field.nullable else "NULL"
    if field.values:
        bad = sql_literal(f"not in code list {list(field.values)}")
    elif field.type in (FieldType.DATE, FieldType.TIMESTAMP) and fmt:
        bad = sql_literal(f"not a valid {field.type} in format {fmt}")
    else:
        bad = sql_literal(f"not a valid {field.type}")
    parts = [f"WHEN {r} IS NULL THEN {missing}", f"WHEN {val} IS NULL THEN {bad}"]
    if field.min is not None and field.type in (FieldType.INTEGER, FieldType.FLOAT):
        parts.append(
            f"WHEN {val} < {field.min!r} THEN {sql_literal(f'below minimum {field.min:g}')}"
        )
    if field.max is not None and field.type in (FieldType.INTEGER, FieldType.FLOAT):
        parts.append(
            f"WHEN {val} > {field.max!r} THEN {sql_literal(f'above maximum {field.max:g}')}"
        )
    return "CASE " + " ".join(parts) + " END"


def _failed(field: FieldSpec, native: bool = False) -> str | None:
    """True where ``_reason`` would give a reason: the same test, without building text."""
    r = _ref(field, native)
    val = v(field.name)
    parts = [] if field.nullable else [f"{r} IS NULL"]
    # A plain string (or a native column that cannot fail its cast) is valid when present.
    can_fail = bool(field.values) or field.type is not FieldType.STRING
    if native:
        can_fail = field.type is FieldType.FLOAT
    if can_fail:
        parts.append(f"({r} IS NOT NULL AND {val} IS NULL)")
    if field.type in (FieldType.INTEGER, FieldType.FLOAT):
        if field.min is not None:
            parts.append(f"{val} < {field.min!r}")
        if field.max is not None:
            parts.append(f"{val} > {field.max!r}")
    return " OR ".join(parts) or None


def quarantine_reasons(source: Source, mapping: Mapping | None, relation: str) -> str:
    """SQL over ``relation(__rn, f:<field>...)`` (failing rows' text) adding ``e:<field>``.

    Reasons are derived from the staged text again, for failing rows only, rather than kept
    for every row; a typed column's text converts back to the same value and reason.
    """
    fields = source.fields
    typed = ", ".join(
        f"{_typed(f, _fmt(mapping, f))} AS {v(f.name)}, {quote_ident('f:' + f.name)}"
        for f in fields
    )
    reasons = ", ".join(
        f"{quote_ident('f:' + f.name)}, {_reason(f, _fmt(mapping, f))} AS {e(f.name)}"
        for f in fields
    )
    return f"SELECT __rn, {reasons} FROM (SELECT __rn, {typed} FROM {relation})"


def _used_by_expr(col: str, exprs: list[str]) -> bool:
    pattern = re.compile(r'(^|[^\w"])' + re.escape(col) + r'($|[^\w"])')
    return any(f'"{col}"' in x or pattern.search(x) for x in exprs)


def stage(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    source: Source,
    mapping: Mapping | None,
    *,
    expr_types: dict[str, str] | None = None,
    keep_reasons: tuple[str, ...] = (),
    materialise: bool = False,
) -> Staging:
    """Define ``__staged``; raise IngestError for structural problems.

    ``materialise`` stages a numbered export into a table too, for callers that scan the
    staged rows many times (location's duty-window passes).
    """
    cols = {c: t for c, t in export.columns.items() if c != "__rn"}
    problems: list[str] = []
    used: dict[str, str] = {}  # field -> export column
    native: dict[str, bool] = {}  # field -> taken as typed, not via text
    raw_exprs: list[str] = []
    for f in source.fields:
        rule = mapping.rule(f.name) if mapping else None
        col: str | None = None
        if rule is None or rule.source_column is not None:
            wanted = rule.source_column if rule and rule.source_column else f.name
            col = _find_column(cols, wanted)
            if col is None and (rule is not None or not f.nullable):
                via = f" (mapped from {wanted!r})" if rule else ""
                problems.append(f"{export.label}: missing required column {f.name!r}{via}")
            if col is not None:
                used[f.name] = col
        native[f.name] = col is not None and _is_native(f, rule, cols[col])
        if native[f.name] and col is not None:
            raw_exprs.append(f"{quote_ident('n:' + col)} AS {_ref(f, True)}")
        else:
            raw_exprs.append(f"{_raw_expr(rule, f, col)} AS {_ref(f, False)}")
    if problems:
        known = ", ".join(repr(c) for c in cols)
        raise IngestError([*problems, f"{export.label}: columns present: {known}"])
    exprs = [r.expr for r in (mapping.rules if mapping else ()) if r.expr]
    rn = "__rn, " if export.numbered else ""
    inner = [rn + "true AS __one"]  # never empty, whatever the mapping uses
    for c in sorted({c for name, c in used.items() if not native[name]}):
        ref = quote_ident(c)
        text = ref if cols[c] == "VARCHAR" else f"CAST({ref} AS VARCHAR)"
        inner.append(f"{text} AS {quote_ident('r:' + c)}")
    for c in sorted({c for name, c in used.items() if native[name]}):
        inner.append(f"{quote_ident(c)} AS {quote_ident('n:' + c)}")
    if exprs:
        # Expressions see export columns with the types DuckDB guesses, so that
        # `"Mins" / 60.0` works on a CSV read as text.
        for c, typ in cols.items():
            want = (expr_types or {}).get(c, typ)
            ref = quote_ident(c)
            inner.append(ref if want == typ else f"TRY_CAST({ref} AS {want}) AS {ref}")
    dropped = tuple(
        c for c in cols if c not in used.values() and not (exprs and _used_by_expr(c, exprs))
    )
    refs = [_ref(f, native[f.name]) for f in source.fields]
    mapped = (
        f"SELECT {rn}{', '.join(raw_exprs)} FROM (SELECT {', '.join(inner)} FROM {export.relation})"
    )
    typed = ", ".join(
        f"{_typed(f, _fmt(mapping, f), native[f.name])} AS {v(f.name)}, {r}"
        for f, r in zip(source.fields, refs, strict=True)
    )
    bad = " OR ".join(
        f"({x})" for f in source.fields if (x := _failed(f, native[f.name])) is not None
    )
    values = ", ".join(v(f.name) for f in source.fields)
    # Reasons are built for every row only where later steps need them (location: person
    # and time); the rest are derived again for the failing rows alone.
    kept = "".join(
        f", {_reason(f, _fmt(mapping, f), native[f.name])} AS {e(f.name)}"
        for f in source.fields
        if f.name in keep_reasons
    )
    # Raw text is kept only where a row failed: the quarantine report needs it, nothing else.
    texts = ", ".join(
        f"CASE WHEN __bad THEN {r if not native[f.name] else f'CAST({r} AS VARCHAR)'} END "
        f"AS {quote_ident('f:' + f.name)}"
        for f, r in zip(source.fields, refs, strict=True)
    )
    sql = (
        f"SELECT {rn}{values}, __bad{kept}, {texts} FROM ("
        f"SELECT *, coalesce({bad or 'false'}, false) AS __bad FROM (SELECT {rn}{typed} FROM ({mapped})))"
    )
    try:
        if export.numbered:
            kind = "TABLE" if materialise else "VIEW"
            con.execute(f"CREATE OR REPLACE TEMP {kind} __staged AS {sql}")
        else:
            # Insertion order is file order (preserve_insertion_order is on by default).
            con.execute(f"CREATE OR REPLACE TEMP TABLE __staged_rows AS {sql}")
            con.execute(
                "CREATE OR REPLACE TEMP VIEW __staged AS "
                "SELECT rowid + 1 AS __rn, * FROM __staged_rows"
            )
    except duckdb.Error as exc:
        raise unreadable(export, mapping, exc) from None
    return Staging(tuple(source.fields), used, dropped, is_view=export.numbered and not materialise)


def unreadable(export: Export, mapping: Mapping | None, exc: duckdb.Error) -> IngestError:
    """The error for an export DuckDB failed to read or convert (a message, no traceback)."""
    where = f" (mapping {mapping.path.name})" if mapping and mapping.path else ""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return IngestError(f"{export.label}: cannot be read{where}: {msg}")


def _fmt(mapping: Mapping | None, f: FieldSpec) -> str | None:
    rule = mapping.rule(f.name) if mapping else None
    return rule.format if rule else None


def coordinate_fields(source: Source) -> set[str]:
    return {f.name for f in source.fields if f.handling in (Handling.LATITUDE, Handling.LONGITUDE)}
