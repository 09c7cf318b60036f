"""Map and validate an export in one SQL pass.

``stage`` defines ``__staged`` over the export: ``__rn``, per declared field its typed value
(``v:<field>``), ``__bad`` (some field fails its check), the reasons (``e:<field>``) of the
fields in ``keep_reasons`` only and, for failing rows only, the trimmed text as exported
(``f:<field>``) of the fields whose typed value is not that text (``Staging.text_columns``
gives every field's text). ``quarantine_reasons`` turns that text into every field's reason
for the failing rows.

Text is trimmed (``trim()``) and a blank value is null. Code-list and typed fields first try
the value as exported and trim only the rest: a valid value costs one comparison or cast.
Identifiers are staged as exported: their keyed map is built from the distinct values and
trims those (``Staging.trimmed`` gives the trimmed text).

Where the export can be scanned again cheaply and carries its own row numbers (Parquet, and
the in-memory XLSX and SQL results), ``__staged`` is a view: the curated file is written
straight from the export in one pass, validation included, and nothing is materialised.
Exports without their own row numbers (CSV, JSON lines) are staged into a table in file order
and numbered by insertion order (``rowid + 1``): a ``row_number() OVER ()`` window would
serialise the scan, and parsing the text twice would cost more than keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from integritas.catalog.models import FieldSpec, Handling, Source
from integritas.ingest.checks import (
    KEYED,
    clean,
    e,
    failed_sql,
    is_native,
    is_text,
    mapped_text,
    missing_sql,
    reason_sql,
    staged_ref,
    typed_value,
    v,
)
from integritas.ingest.encodings import not_text
from integritas.ingest.errors import IngestError
from integritas.ingest.mapping import Mapping
from integritas.ingest.readers import Export, quote_ident


@dataclass(frozen=True)
class Staging:
    fields: tuple[FieldSpec, ...]
    export_columns: dict[str, str]  # field -> export column it was read from (for messages)
    columns_dropped: tuple[str, ...]
    is_view: bool = False  # ``__staged`` is computed from the export on every scan
    identity: frozenset[str] = frozenset()  # fields staged as their text: no ``f:`` column
    # identifier -> SQL of its distinct staged values (``raw``) that are not blank
    distinct: dict[str, str] = field(default_factory=dict)
    # identifiers staged as exported (their keyed map trims them): ``trimmed`` gives the text
    keyed: frozenset[str] = frozenset()

    def trimmed(self, name: str, prefix: str = "") -> str:
        """SQL of a field's staged value, trimmed where it was staged as exported."""
        ref = prefix + v(name)
        return clean(ref) if name in self.keyed else ref

    def text_columns(self) -> str:
        """Every field's text as ``f:<field>`` (meaningful on failing rows only)."""
        return ", ".join(
            f"{v(f.name)} AS {quote_ident('f:' + f.name)}"
            if f.name in self.identity
            else quote_ident("f:" + f.name)
            for f in self.fields
        )


def _find_column(columns: dict[str, str], name: str) -> str | None:
    if name in columns:
        return name
    folded = {c.lower().strip(): c for c in columns}
    return folded.get(name.lower())


def quarantine_reasons(source: Source, mapping: Mapping | None, relation: str) -> str:
    """SQL over ``relation(__rn, f:<field>...)`` (failing rows' text) adding ``e:<field>``.

    Reasons are derived from the staged text again, for failing rows only, rather than kept
    for every row; a typed column's text converts back to the same value and reason.
    """
    fields = source.fields
    typed = ", ".join(
        f"{typed_value(f, _fmt(mapping, f))} AS {v(f.name)}, {quote_ident('f:' + f.name)}"
        for f in fields
    )
    reasons = ", ".join(
        f"{quote_ident('f:' + f.name)}, {reason_sql(f, _fmt(mapping, f))} AS {e(f.name)}"
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
    text: dict[str, str] = {}  # field -> SQL of its trimmed text
    raw: dict[str, str] = {}  # field -> its value as exported, tried before trimming
    keyed: dict[str, str] = {}  # identifier field -> export column, staged as exported
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
        native[f.name] = col is not None and is_native(f, rule, cols[col])
        renamed = rule is None or (
            not rule.codes and rule.format is None and rule.expr is None and rule.value is None
        )
        if native[f.name] and col is not None:
            raw_exprs.append(f"{quote_ident('n:' + col)} AS {staged_ref(f, True)}")
            text[f.name] = staged_ref(f, True)
        elif col is not None and renamed and (f.values or not is_text(f) or f.handling in KEYED):
            raw[f.name] = quote_ident("w:" + f.name)
            raw_exprs.append(f"{quote_ident('r:' + col)} AS {raw[f.name]}")
            text[f.name] = clean(raw[f.name])
            if is_text(f):  # an identifier
                keyed[f.name] = col
        else:
            raw_exprs.append(f"{mapped_text(rule, f, col)} AS {staged_ref(f, False)}")
            text[f.name] = staged_ref(f, False)
    if problems:
        known = ", ".join(repr(c) for c in cols)
        raise IngestError([*problems, f"{export.label}: columns present: {known}"])
    exprs = [r.expr for r in (mapping.rules if mapping else ()) if r.expr]
    rn = "__rn, " if export.numbered else ""
    inner = [rn + "true AS __one"]  # never empty, whatever the mapping uses
    for c in sorted({c for name, c in used.items() if not native[name]}):
        inner.append(f"{_as_text(c, cols[c])} AS {quote_ident('r:' + c)}")
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
    carried = ", ".join(x.split(" AS ")[-1] for x in raw_exprs)
    mapped = (
        f"SELECT {rn}{', '.join(raw_exprs)} FROM (SELECT {', '.join(inner)} FROM {export.relation})"
    )

    def value(f: FieldSpec) -> str:
        if f.name in keyed:  # joined to its keyed map as exported
            return raw[f.name]
        fmt = _fmt(mapping, f)
        return typed_value(f, fmt, native[f.name], text=text[f.name], raw=raw.get(f.name))

    def fails(f: FieldSpec) -> str | None:
        if f.name in keyed:
            return None if f.nullable else missing_sql(raw[f.name], text[f.name])
        return failed_sql(f, native[f.name], text=text[f.name])

    typed = ", ".join(f"{value(f)} AS {v(f.name)}" for f in source.fields)
    bad = " OR ".join(f"({x})" for f in source.fields if (x := fails(f)) is not None)
    values = ", ".join(v(f.name) for f in source.fields)
    # Reasons are built for every row only where later steps need them (location: person
    # and time); the rest are derived again for the failing rows alone.
    kept = "".join(
        f", {reason_sql(f, _fmt(mapping, f), native[f.name], text=text[f.name])} AS {e(f.name)}"
        for f in source.fields
        if f.name in keep_reasons
    )
    # Text is kept only where a row failed (the quarantine report needs it, nothing else),
    # and only where the typed value is not the text itself.
    identity = frozenset(f.name for f in source.fields if is_text(f) and f.name not in keyed)
    texts = "".join(
        f", CASE WHEN __bad THEN "
        f"{text[f.name] if not native[f.name] else f'CAST({text[f.name]} AS VARCHAR)'} END "
        f"AS {quote_ident('f:' + f.name)}"
        for f in source.fields
        if f.name not in identity
    )
    sql = (
        f"SELECT {rn}{values}, __bad{kept}{texts} FROM ("
        f"SELECT *, coalesce({bad or 'false'}, false) AS __bad FROM "
        f"(SELECT {rn}{typed}, {carried} FROM ({mapped})))"
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
    is_view = export.numbered and not materialise
    # The keyed map of an identifier is built from its distinct values as exported (fewer
    # values to trim than rows) and joined on them: normalise() drops all whitespace anyway.
    distinct = {
        name: f"SELECT x AS raw FROM (SELECT DISTINCT {_as_text(c, cols[c])} AS x "
        f"FROM {export.relation}) WHERE {clean(quote_ident('x'))} IS NOT NULL"
        if is_view
        else f"SELECT raw FROM (SELECT DISTINCT {v(name)} AS raw FROM __staged) "
        f"WHERE {clean('raw')} IS NOT NULL"
        for name, c in keyed.items()
    }
    return Staging(
        tuple(source.fields), used, dropped, is_view, identity, distinct, frozenset(keyed)
    )


def _as_text(col: str, col_type: str) -> str:
    ref = quote_ident(col)
    return ref if col_type == "VARCHAR" else f"CAST({ref} AS VARCHAR)"


def unreadable(export: Export, mapping: Mapping | None, exc: duckdb.Error) -> IngestError:
    """The error for an export DuckDB failed to read or convert (a message, no traceback)."""
    where = f" (mapping {mapping.path.name})" if mapping and mapping.path else ""
    msg = not_text(exc) or (
        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    )
    return IngestError(f"{export.label}: cannot be read{where}: {msg}")


def _fmt(mapping: Mapping | None, f: FieldSpec) -> str | None:
    rule = mapping.rule(f.name) if mapping else None
    return rule.format if rule else None


def coordinate_fields(source: Source) -> set[str]:
    return {f.name for f in source.fields if f.handling in (Handling.LATITUDE, Handling.LONGITUDE)}
