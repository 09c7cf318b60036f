"""Read models for a member of staff's own data: what is held, which metrics exist and why.

Only the person's own rows are read (``WHERE <person field> = their pseudonym``), and other
people's pseudonyms in those rows (an authoriser, a line manager) are blanked: self-service
shows a person their data, not who else appears next to it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from integritas.catalog.models import Handling, Source
from integritas.catalog.registry import catalog
from integritas.engine import duck
from integritas.ingest.layout import curated_files
from integritas.ingest.readers import quote_ident, sql_literal
from integritas.settings import Workspace

log = logging.getLogger(__name__)
MAX_ROWS = 200


class HeldCategory(BaseModel):
    source: str
    title: str
    description: str
    categories: list[str]
    fields: list[str]
    purposes: list[str]
    lawful_basis: str
    retention_days: int
    rows_about_me: int


class MetricAboutMe(BaseModel):
    name: str
    tier: str
    purpose: str
    description: str
    why: str


class MyData(BaseModel):
    person_id: str
    held: list[HeldCategory]
    metrics: list[MetricAboutMe]


class MyRecords(BaseModel):
    source: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    batch_ids: list[str]
    row_numbers: list[int]
    truncated: bool


class UnknownSource(KeyError):
    pass


_WHY = {
    "welfare": "early intervention and welfare support, reviewed welfare-first by your line "
    "manager's chain",
    "conduct": "indicators of possible misconduct, only ever reviewed by a named person",
    "organisational_health": "unit-level organisation health; never shown about you alone",
    "equality_monitoring": "fairness checks of the rules, in aggregate only",
}


def person_sources() -> list[Source]:
    return [s for s in catalog().values() if s.person_field is not None]


def _files_sql(ws: Workspace, source: str) -> str | None:
    files = curated_files(ws, source)
    if not files:
        return None
    return "[" + ", ".join(sql_literal(str(f)) for f in files) + "]"


def _person_column(src: Source) -> str:
    assert src.person_field is not None
    return src.field(src.person_field).curated_name or src.person_field


def my_data(ws: Workspace, person_id: str) -> MyData:
    sources = person_sources()
    counts: dict[str, int] = {}
    parts = []
    for src in sources:
        lst = _files_sql(ws, src.name)
        if lst is None:
            continue
        col = quote_ident(_person_column(src))
        parts.append(
            f"SELECT {sql_literal(src.name)} AS s, count(*) AS n FROM read_parquet({lst}, "
            f"union_by_name=true) WHERE {col} = $person"
        )
    if parts:
        con = duck.connect(ws)
        try:
            for name, n in con.execute(" UNION ALL ".join(parts), {"person": person_id}).fetchall():
                counts[name] = int(n)
        finally:
            con.close()
    held = []
    for src in sources:
        basis = src.lawful_basis
        held.append(
            HeldCategory(
                source=src.name,
                title=src.title,
                description=src.description,
                categories=sorted({str(f.category) for f in src.fields}),
                fields=list(src.curated_columns()),
                purposes=[str(p) for p in src.purposes],
                lawful_basis="; ".join(
                    x for x in (basis.article6, basis.article9, basis.article10) if x
                ),
                retention_days=src.retention_days,
                rows_about_me=counts.get(src.name, 0),
            )
        )
    held.sort(key=lambda h: (-h.rows_about_me, h.title))  # what is actually held comes first
    return MyData(person_id=person_id, held=held, metrics=person_metrics())


def person_metrics() -> list[MetricAboutMe]:
    try:
        from integritas.metrics.registry import load_metrics

        metrics = load_metrics()
    except Exception as exc:  # the page still lists held data if a metric family is broken
        log.warning("metric register unavailable: %s", exc)
        return []
    return [
        MetricAboutMe(
            name=m.spec.name,
            tier=str(m.spec.tier),
            purpose=str(m.spec.purpose),
            description=m.spec.description,
            why=_WHY.get(str(m.spec.purpose), str(m.spec.purpose)),
        )
        for m in sorted(metrics, key=lambda m: m.spec.name)
        if str(m.spec.subject) == "person"
    ]


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def my_records(ws: Workspace, person_id: str, source: str) -> MyRecords:
    src = next((s for s in person_sources() if s.name == source), None)
    if src is None:
        raise UnknownSource(source)
    own = _person_column(src)
    others = {
        f.curated_name
        for f in src.fields
        if f.handling is Handling.PSEUDONYMISE and f.curated_name != own
    }
    columns = [c for c in src.curated_columns() if c != own]
    lst = _files_sql(ws, source)
    if lst is None:
        return MyRecords(
            source=source,
            title=src.title,
            columns=columns,
            rows=[],
            batch_ids=[],
            row_numbers=[],
            truncated=False,
        )
    select = ", ".join(quote_ident(c) for c in columns)
    con = duck.connect(ws)
    try:
        rows = con.execute(
            f"SELECT {select}, _batch_id, _row_number FROM read_parquet({lst}, "
            f"union_by_name=true) WHERE {quote_ident(own)} = $person "
            f"ORDER BY _batch_id, _row_number LIMIT {MAX_ROWS + 1}",
            {"person": person_id},
        ).fetchall()
    finally:
        con.close()
    shown = rows[:MAX_ROWS]
    return MyRecords(
        source=source,
        title=src.title,
        columns=columns,
        rows=[
            [
                "(another person)" if c in others and v is not None else _show(v)
                for c, v in zip(columns, r, strict=False)
            ]
            for r in shown
        ],
        batch_ids=[str(r[-2]) for r in shown],
        row_numbers=[int(r[-1]) for r in shown],
        truncated=len(rows) > MAX_ROWS,
    )
