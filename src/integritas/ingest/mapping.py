"""Column mappings: how a real system's export becomes a declared source.

Format (docs/architecture.md)::

    source: overtime_claims
    match: "payroll_ot_*.csv"
    encoding: windows-1252                                     # CSV text (default utf-8)
    columns:
      staff_number: "Emp No"                                   # rename
      work_date: {from: "Date Worked", format: "%d/%m/%Y"}     # strptime
      reason_code: {from: "Reason", codes: {"Major Event": major_event}}
      hours: {expr: "round(\\"Mins\\" / 60.0, 2)"}             # DuckDB SQL over export columns
      status: {value: approved}                                # constant

The file is validated as a whole and every problem is reported at once.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from integritas.catalog.models import FieldType, Source
from integritas.catalog.registry import catalog
from integritas.ingest.encodings import normalise
from integritas.ingest.errors import IngestError


@dataclass(frozen=True)
class ColumnRule:
    """How one declared field is obtained from the export (exactly one of from/expr/value)."""

    field: str
    source_column: str | None = None
    format: str | None = None
    codes: tuple[tuple[str, str], ...] = ()
    expr: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Mapping:
    source: str
    path: Path | None
    sha256: str | None
    match: str | None
    rules: tuple[ColumnRule, ...]
    encoding: str | None = None  # of a CSV export; None: UTF-8

    def rule(self, field: str) -> ColumnRule | None:
        for r in self.rules:
            if r.field == field:
                return r
        return None

    def matches(self, filename: str) -> bool:
        return self.match is not None and fnmatch.fnmatch(filename, self.match)


_KEYS = {"from", "format", "codes", "expr", "value"}


def _rule(name: str, spec: object, src: Source, where: str, problems: list[str]) -> ColumnRule:
    fspec = src.field(name)
    if isinstance(spec, str):
        return ColumnRule(field=name, source_column=spec)
    if not isinstance(spec, dict):
        problems.append(f"{where}: expected a column name or a mapping, got {spec!r}")
        return ColumnRule(field=name)
    unknown = sorted(set(map(str, spec)) - _KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {unknown} (allowed: {sorted(_KEYS)})")
    kinds = [k for k in ("from", "expr", "value") if k in spec]
    if len(kinds) != 1:
        problems.append(f"{where}: give exactly one of from / expr / value (got {kinds or 'none'})")
    fmt = spec.get("format")
    if fmt is not None:
        if "from" not in spec:
            problems.append(f"{where}: 'format' needs 'from'")
        if fspec.type not in (FieldType.DATE, FieldType.TIMESTAMP):
            problems.append(f"{where}: 'format' applies only to date/timestamp fields")
        if not isinstance(fmt, str) or "%" not in fmt:
            problems.append(f"{where}: 'format' must be a strptime format such as '%d/%m/%Y'")
    codes = spec.get("codes") or {}
    if codes and ("from" not in spec or not isinstance(codes, dict)):
        problems.append(f"{where}: 'codes' must be a mapping and needs 'from'")
        codes = {}
    if isinstance(codes, dict) and fspec.values:
        bad = sorted({str(v) for v in codes.values()} - set(fspec.values))
        if bad:
            problems.append(f"{where}: codes map to values outside the code list: {bad}")
    for key in ("from", "expr"):
        if key in spec and (not isinstance(spec[key], str) or not spec[key].strip()):
            problems.append(f"{where}: '{key}' must be a non-empty string")
    value = spec.get("value")
    return ColumnRule(
        field=name,
        source_column=spec.get("from") if isinstance(spec.get("from"), str) else None,
        format=fmt if isinstance(fmt, str) else None,
        codes=tuple(
            (str(k), str(v)) for k, v in (codes.items() if isinstance(codes, dict) else ())
        ),
        expr=spec.get("expr") if isinstance(spec.get("expr"), str) else None,
        value=None
        if value is None
        else str(value).lower()
        if isinstance(value, bool)
        else str(value),
    )


def parse_mapping(text: str, path: Path | None = None) -> Mapping:
    """Validate a mapping document; raise IngestError listing every problem."""
    label = path.name if path else "mapping"
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise IngestError(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise IngestError(f"{label}: expected a mapping with 'source' and 'columns'")
    problems: list[str] = []
    unknown = sorted(set(map(str, raw)) - {"source", "match", "encoding", "columns"})
    if unknown:
        problems.append(f"{label}: unknown top-level keys {unknown}")
    name = raw.get("source")
    cat = catalog()
    if not isinstance(name, str) or name not in cat:
        problems.append(f"{label}: 'source' must name a declared source (got {name!r})")
        raise IngestError(problems)
    src = cat[name]
    match = raw.get("match")
    if match is not None and not isinstance(match, str):
        problems.append(f"{label}: 'match' must be a file-name glob")
        match = None
    encoding = None
    if raw.get("encoding") is not None:
        encoding = normalise(str(raw["encoding"]))
        if encoding is None:
            problems.append(
                f"{label}: 'encoding' {raw['encoding']!r} is not supported "
                "(utf-8, utf-16, latin-1 or windows-1252)"
            )
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        problems.append(f"{label}: 'columns' must be a mapping of field -> rule")
        columns = {}
    declared = {f.name for f in src.fields}
    rules = []
    for field, spec in columns.items():
        where = f"{label}: columns.{field}"
        if field not in declared:
            problems.append(f"{where}: {name} declares no field {field!r}")
            continue
        rules.append(_rule(str(field), spec, src, where, problems))
    if problems:
        raise IngestError(problems)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Mapping(
        source=name, path=path, sha256=sha, match=match, rules=tuple(rules), encoding=encoding
    )


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read mapping: {exc}") from None
    return parse_mapping(text, path)


def folder_mappings(folder: Path) -> list[Mapping]:
    """Every ``mappings/*.yaml`` in an export folder; all problems reported together."""
    out: list[Mapping] = []
    problems: list[str] = []
    for path in sorted((folder / "mappings").glob("*.y*ml")):
        try:
            out.append(load_mapping(path))
        except IngestError as exc:
            problems.extend(exc.problems)
    if problems:
        raise IngestError(problems)
    return out
