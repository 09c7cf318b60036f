"""Subject access: every record held about one person, as a zip of JSON/CSV and an HTML summary.

A record is "about" the person when any pseudonymised column of it holds their pseudonym (their
own overtime claim, a claim they authorised, a records search about them). The identity vault
holds their raw identity; derived data is found by pseudonym; the audit log gives who looked.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from integritas.catalog.models import Handling
from integritas.catalog.registry import catalog
from integritas.engine import duck
from integritas.ingest.layout import curated_files, vault_files
from integritas.ingest.readers import quote_ident, sql_literal
from integritas.settings import Workspace

PREVIEW_ROWS = 50
# Store tables read for the person, and the column naming them (cases helper's tables).
_PERSON_TABLES = {
    "cases": "person_id",
    "review_flags": "person_id",
    "rights_disputes": "person_id",
    "rights_objections": "person_id",
}
_CASE_CHILDREN = ("case_notes", "case_outcomes", "case_events")


@dataclass
class Section:
    title: str
    key: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def files(self) -> list[str]:
        return [f"{self.key}.json", f"{self.key}.csv"]

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    @property
    def preview(self) -> list[dict[str, Any]]:
        return self.rows[:PREVIEW_ROWS]


@dataclass
class SarExport:
    person_id: str
    out: Path
    sections: list[Section]
    views: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)


def person_columns(source: str) -> list[str]:
    """Curated columns of ``source`` that hold a person's pseudonym."""
    src = catalog()[source]
    return [c for c, f in src.curated_columns().items() if f.handling is Handling.PSEUDONYMISE]


def _read(con: duckdb.DuckDBPyConnection, files: list[Path], where: str) -> list[dict[str, Any]]:
    if not files:
        return []
    listing = ", ".join(sql_literal(str(f)) for f in files)
    cur = con.execute(f"SELECT * FROM read_parquet([{listing}], union_by_name=true) WHERE {where}")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def source_records(ws: Workspace, person_id: str) -> list[Section]:
    con = duck.connect(ws)
    out = []
    try:
        lit = sql_literal(person_id)
        for name in catalog():
            cols = person_columns(name)
            if not cols:
                continue
            where = " OR ".join(f"{quote_ident(c)} = {lit}" for c in cols)
            rows = _read(con, curated_files(ws, name), where)
            if rows:
                out.append(Section(f"Records in {catalog()[name].title}", f"sources/{name}", rows))
            vault = _read(con, vault_files(ws, name), f"person_id = {lit}")
            if vault:
                out.append(Section(f"Identity held for {name}", f"identity/{name}", vault))
        derived = ws.home / "derived"
        for fname, col, title in (
            ("metric_values.parquet", "subject_id", "Metric values calculated about you"),
            ("flags.parquet", "person_id", "Indicators (flags) raised"),
            ("disputed.parquet", "person_id", "Records you or others disputed"),
            ("objections.parquet", "person_id", "Objections to processing"),
        ):
            path = derived / fname
            if path.exists() and col in pq.read_schema(path).names:
                rows = _read(con, [path], f"{col} = {lit}")
                if rows:
                    out.append(Section(title, f"derived/{fname.split('.')[0]}", rows))
        linkage = sorted((derived / "linkage").glob("*/*/candidates.parquet"))
        rows = _read(con, linkage, f"person_id = {lit}") if linkage else []
        if rows:
            out.append(Section("Possible matches with external registers", "derived/linkage", rows))
    finally:
        con.close()
    return out


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(sql), params)]


def store_records(session: Session, person_id: str) -> list[Section]:
    tables = set(inspect(session.connection()).get_table_names())
    out = []
    for table, col in _PERSON_TABLES.items():
        if table in tables:
            rows = _rows(session, f"SELECT * FROM {table} WHERE {col} = :p", {"p": person_id})
            if rows:
                out.append(Section(f"Store: {table.replace('_', ' ')}", f"store/{table}", rows))
    if "cases" in tables:
        ids = [
            r["id"]
            for r in _rows(session, "SELECT id FROM cases WHERE person_id = :p", {"p": person_id})
        ]
        for child in _CASE_CHILDREN:
            if child in tables and ids:
                marks = ", ".join(f":c{i}" for i in range(len(ids)))
                rows = _rows(
                    session,
                    f"SELECT * FROM {child} WHERE case_id IN ({marks})",
                    {f"c{i}": v for i, v in enumerate(ids)},
                )
                if rows:
                    out.append(Section(f"Case {child.split('_')[1]}", f"store/{child}", rows))
    return out


def audit_views(session: Session, person_id: str) -> list[dict[str, Any]]:
    """Audit events naming the person (as a subject shown, or as the object)."""
    rows = _rows(
        session,
        "SELECT seq, at, actor, role, action, purpose, object_type, object_id, outcome "
        "FROM audit_events WHERE subjects LIKE :like OR object_id = :p ORDER BY seq",
        {"like": f'%"{person_id}"%', "p": person_id},
    )
    return rows


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        w.writerow(
            {k: json.dumps(_jsonable(v)) if isinstance(v, list) else v for k, v in r.items()}
        )
    return buf.getvalue()


def render_summary(export: SarExport, produced_at: str) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    return env.get_template("sar.html").render(
        person_id=export.person_id,
        produced_at=produced_at,
        sections=export.sections,
        views=export.views,
    )


def export_sar(
    ws: Workspace,
    *,
    staff_number: str,
    out: Path,
    session: Session,
    actor: str,
    role: str = "dpo",
    purpose: str = "subject access request",
) -> SarExport:
    """Write the person's subject access zip to ``out`` and log that it was produced."""
    from integritas.audit.service import append
    from integritas.ingest.pseudonyms import Pseudonymiser
    from integritas.rights.events import SAR_EXPORTED

    person_id = Pseudonymiser(ws).pseudonym(staff_number)
    sections = source_records(ws, person_id) + store_records(session, person_id)
    views = audit_views(session, person_id)
    export = SarExport(person_id, out, sections, views)
    produced = datetime.now(UTC).isoformat(timespec="seconds")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for s in sections:
            rows = [{k: _jsonable(v) for k, v in r.items()} for r in s.rows]
            z.writestr(f"{s.key}.json", json.dumps(rows, indent=2, default=str))
            z.writestr(f"{s.key}.csv", _csv(rows))
        z.writestr("audit/who_viewed.json", json.dumps(views, indent=2, default=str))
        z.writestr("summary.html", render_summary(export, produced))
        z.writestr(
            "manifest.json",
            json.dumps(
                {
                    "person_id": person_id,
                    "produced_at": produced,
                    "sections": {s.key: s.count for s in sections},
                    "views": len(views),
                },
                indent=2,
            ),
        )
    tmp.replace(out)
    append(
        session,
        actor=actor,
        role=role,
        action=SAR_EXPORTED.name,
        object_type="person",
        object_id=person_id,
        purpose=purpose,
        subjects=[person_id],
        detail=json.dumps({"records": export.total, "views": len(views)}),
    )
    return export
