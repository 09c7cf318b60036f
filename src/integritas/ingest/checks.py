"""Per-field checks as SQL: the trimmed text, the typed value, the failure test, the reason.

``validate.stage`` puts them together over an export; ``validate.quarantine_reasons`` uses
them again over the failing rows' text. Each builder takes the SQL of its input (the text,
or the value as exported) so that the usual valid value is checked without trimming it.
"""

from __future__ import annotations

from integritas.catalog.models import FieldSpec, FieldType, Handling
from integritas.ingest.mapping import ColumnRule
from integritas.ingest.readers import quote_ident, sql_literal

KEYED = (Handling.PSEUDONYMISE, Handling.KEYED_HASH)
TRUE_WORDS = ("true", "yes", "y", "1", "t")
FALSE_WORDS = ("false", "no", "n", "0", "f")


def v(name: str) -> str:
    return quote_ident(f"v:{name}")


def e(name: str) -> str:
    return quote_ident(f"e:{name}")


# Whitespace at either end of a value: exactly the characters Python's ``str.isspace`` calls
# whitespace (ASCII tab to carriage return, the information separators, space, next-line and
# the Unicode separators). DuckDB's trim() strips only the Unicode space separators, so a tab
# alone (or a newline) would otherwise stay a value, and an identifier of a tab a pseudonym.
_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\p{Z}]"
_ENDS = f"'^{_SPACE}+|{_SPACE}+$'"


def clean(ref: str) -> str:
    """The value without whitespace at either end, a blank one null; the usual value, which
    needs nothing, skips the regular expression.

    The fast path takes only a value that starts with printable ASCII (a bytewise comparison,
    cheaper than starts_with), does not end in a space and is ASCII throughout; a value that
    ends in a tab or a newline after printable text takes it too and keeps that character.
    """
    return (
        f"CASE WHEN {ref} >= '!' AND {ref} < chr(127) AND NOT ends_with({ref}, ' ') "
        f"AND strlen({ref}) = length({ref}) THEN {ref} "
        f"ELSE NULLIF(regexp_replace({ref}, {_ENDS}, '', 'g'), '') END"
    )


def mapped_text(rule: ColumnRule | None, field: FieldSpec, col: str | None) -> str:
    if rule is not None and rule.value is not None:
        return sql_literal(rule.value)
    if rule is not None and rule.expr is not None:
        return f"CAST(({rule.expr}) AS VARCHAR)"
    if col is None:
        return "CAST(NULL AS VARCHAR)"
    text = clean(quote_ident("r:" + col))
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


def is_native(field: FieldSpec, rule: ColumnRule | None, col_type: str | None) -> bool:
    """A typed export column (Parquet, JSON) that already holds the field's type."""
    return (
        rule is None
        and col_type is not None
        and not field.values
        and col_type in _NATIVE.get(field.type, ())
    )


def staged_ref(field: FieldSpec, native: bool) -> str:
    return quote_ident(f"{'t' if native else 'f'}:{field.name}")


def _convert(field: FieldSpec, fmt: str | None, r: str) -> str:
    """The field's typed value of the text ``r`` (null where it does not convert)."""
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


def typed_value(
    field: FieldSpec,
    fmt: str | None,
    native: bool = False,
    *,
    text: str | None = None,
    raw: str | None = None,
) -> str:
    """The typed value: of ``text`` (the trimmed text; ``f:<field>`` unless given) or, when
    ``raw`` (the value as exported) is given, of ``raw`` first and of the text only where
    the raw value fails: trimming never turns a valid value into another one."""
    if native:
        r = staged_ref(field, True)
        if field.type is FieldType.FLOAT:
            return f"CASE WHEN isfinite({r}) THEN CAST({r} AS DOUBLE) END"
        return f"CAST({r} AS {_SQL[field.type]})"
    r = text or staged_ref(field, False)
    if raw is None:
        return _convert(field, fmt, r)
    if field.values:
        exact = ", ".join(sql_literal(x) for x in field.values)
        return f"CASE WHEN {raw} IN ({exact}) THEN {raw} ELSE {_convert(field, fmt, r)} END"
    return f"coalesce({_convert(field, fmt, raw)}, {_convert(field, fmt, r)})"


def reason_sql(
    field: FieldSpec, fmt: str | None, native: bool = False, *, text: str | None = None
) -> str:
    r = text or staged_ref(field, native)
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


def failed_sql(field: FieldSpec, native: bool = False, *, text: str | None = None) -> str | None:
    """True where ``reason_sql`` would give a reason: the same test, without building text.

    A value that converted was present, so the text is looked at (and, over ``raw``,
    trimmed) only for the rows whose value is null.
    """
    r = text or staged_ref(field, native)
    val = v(field.name)
    ranges = []
    if field.type in (FieldType.INTEGER, FieldType.FLOAT):
        if field.min is not None:
            ranges.append(f"{val} < {field.min!r}")
        if field.max is not None:
            ranges.append(f"{val} > {field.max!r}")
    if native:  # only a float (nan, inf) can fail its conversion
        parts = [] if field.nullable else [f"{r} IS NULL"]
        if field.type is FieldType.FLOAT:
            parts.append(f"({r} IS NOT NULL AND {val} IS NULL)")
        return " OR ".join(parts + ranges) or None
    if field.type is FieldType.STRING and not field.values:  # the value is the text
        return None if field.nullable else f"{val} IS NULL"
    present = "true" if not field.nullable else f"{r} IS NOT NULL"
    return f"CASE WHEN {val} IS NULL THEN {present} ELSE {' OR '.join(ranges) or 'false'} END"


def missing_sql(raw: str, text: str) -> str:
    """An identifier staged as exported is missing where its trimmed text is null; a value
    starting with a printable ASCII character is present without trimming it."""
    return f"CASE WHEN {raw} >= '!' AND {raw} < chr(127) THEN false ELSE {text} IS NULL END"


def is_text(field: FieldSpec) -> bool:
    """The field's typed value is its trimmed text (a string without a code list)."""
    return field.type is FieldType.STRING and not field.values
