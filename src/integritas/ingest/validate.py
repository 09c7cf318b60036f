"""Map and validate an export in one SQL pass.

``stage`` creates three relations in the connection:

- ``__mapped`` (view): ``__rn`` and, per declared field, its trimmed text (``f:<field>``);
- ``__checked`` (view): ``__mapped`` plus the typed value (``v:<field>``) and the reason it
  failed (``e:<field>``, NULL when valid);
- ``__staged`` (table): ``__rn``, the typed values, ``__bad`` (any reason set) and the reasons
  of the fields in ``keep_reasons`` only.

The table is the only full materialisation and is kept narrow; reasons and raw text are read
back from ``__checked`` only for failing rows.
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


def v(name: str) -> str:
    return quote_ident(f"v:{name}")


def e(name: str) -> str:
    return quote_ident(f"e:{name}")


def _find_column(columns: dict[str, str], name: str) -> str | None:
    if name in columns:
        return name
    folded = {c.lower().strip(): c for c in columns}
    return folded.get(name.lower())


def _raw_expr(rule: ColumnRule | None, field: FieldSpec, col: str | None) -> str:
    if rule is not None and rule.value is not None:
        return sql_literal(rule.value)
    if rule is not None and rule.expr is not None:
        return f"CAST(({rule.expr}) AS VARCHAR)"
    if col is None:
        return "CAST(NULL AS VARCHAR)"
    text = f"NULLIF(trim(CAST({quote_ident('r:' + col)} AS VARCHAR)), '')"
    if rule is not None and rule.codes:
        whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(val)}" for k, val in rule.codes)
        text = f"CASE {text} {whens} ELSE {text} END"
    return text


def _typed(field: FieldSpec, fmt: str | None) -> str:
    r = quote_ident(f"f:{field.name}")
    t = field.type
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


def _reason(field: FieldSpec, fmt: str | None) -> str:
    r = quote_ident(f"f:{field.name}")
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
) -> Staging:
    """Build ``__mapped`` and ``__staged``; raise IngestError for structural problems."""
    cols = {c: t for c, t in export.columns.items() if c != "__rn"}
    problems: list[str] = []
    used: dict[str, str] = {}  # field -> export column
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
        raw_exprs.append(f"{_raw_expr(rule, f, col)} AS {quote_ident('f:' + f.name)}")
    if problems:
        known = ", ".join(repr(c) for c in cols)
        raise IngestError([*problems, f"{export.label}: columns present: {known}"])
    exprs = [r.expr for r in (mapping.rules if mapping else ()) if r.expr]
    inner = ["__rn"]
    for c in sorted(set(used.values())):
        inner.append(f"{quote_ident(c)} AS {quote_ident('r:' + c)}")
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
    mapped_sql = f"SELECT __rn, {', '.join(raw_exprs)} FROM (SELECT {', '.join(inner)} FROM {export.relation})"
    typed = ", ".join(
        f"{_typed(f, _fmt(mapping, f))} AS {v(f.name)}, {quote_ident('f:' + f.name)}"
        for f in source.fields
    )
    reasons = ", ".join(
        f"{v(f.name)}, {quote_ident('f:' + f.name)}, {_reason(f, _fmt(mapping, f))} AS {e(f.name)}"
        for f in source.fields
    )
    bad = " OR ".join(f"{e(f.name)} IS NOT NULL" for f in source.fields)
    kept = "".join(f", {e(name)}" for name in keep_reasons)
    values = ", ".join(v(f.name) for f in source.fields)
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW __mapped AS {mapped_sql}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW __checked AS "
            f"SELECT __rn, {reasons} FROM (SELECT __rn, {typed} FROM __mapped)"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __staged AS "
            f"SELECT __rn, {values}, ({bad}) AS __bad{kept} FROM __checked"
        )
    except duckdb.Error as exc:
        where = f" (mapping {mapping.path.name})" if mapping and mapping.path else ""
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IngestError(f"{export.label}: cannot be read{where}: {msg}") from None
    return Staging(tuple(source.fields), used, dropped)


def _fmt(mapping: Mapping | None, f: FieldSpec) -> str | None:
    rule = mapping.rule(f.name) if mapping else None
    return rule.format if rule else None


def coordinate_fields(source: Source) -> set[str]:
    return {f.name for f in source.fields if f.handling in (Handling.LATITUDE, Handling.LONGITUDE)}
