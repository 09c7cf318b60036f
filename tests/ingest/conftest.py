"""Tiny exports built in the tests themselves, and a fresh workspace per test."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from integritas.settings import IngestSettings, Workspace
from integritas.store.testing import POSTGRES_URL, postgres_unavailable

BADGE_HEADER = [
    "event_id",
    "staff_number",
    "site_code",
    "reader_id",
    "event_time",
    "direction",
    "result",
]


def badge_rows(n: int = 5, start: int = 0) -> list[list[str]]:
    return [
        [
            f"E{i}",
            f"SN{i % 3:04d}",
            "HQ",
            f"R{i % 2}",
            f"2024-03-0{1 + i % 9} 08:{i % 60:02d}:00",
            "in" if i % 2 else "out",
            "granted",
        ]
        for i in range(start, start + n)
    ]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database to read exports from: SQLite, and PostgreSQL where a server answers."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'foreign.db'}"
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def foreign_table(sql_url: str) -> Iterator[Callable[[list[sa.Column], list[dict]], str]]:
    """``make(columns, rows)``: a new table at ``sql_url`` holding ``rows`` (dicts), its name;
    every table made is dropped after the test."""
    engine = sa.create_engine(sql_url)
    meta = sa.MetaData()

    def make(columns: list[sa.Column], rows: list[dict]) -> str:
        table = sa.Table("foreign_" + uuid.uuid4().hex[:8], meta, *columns)
        table.create(engine)
        with engine.begin() as con:
            con.execute(table.insert(), rows)
        return table.name

    try:
        yield make
    finally:
        meta.drop_all(engine)
        engine.dispose()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.from_settings(tmp_path / "home")


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def strict() -> IngestSettings:
    return IngestSettings(quarantine_tolerance=0.0, duty_tolerance_minutes=30, operator="tester")


@pytest.fixture
def lenient() -> IngestSettings:
    return IngestSettings(quarantine_tolerance=0.5, duty_tolerance_minutes=30, operator="tester")


@pytest.fixture
def badge_csv(exports: Path) -> Callable[..., Path]:
    def make(rows: list[list[str]] | None = None, name: str = "badge_access.csv") -> Path:
        return write_csv(exports / name, BADGE_HEADER, rows if rows is not None else badge_rows())

    return make


class Kit:
    """Helpers for building exports (a fixture, because importlib mode cannot import conftest)."""

    header = BADGE_HEADER
    rows = staticmethod(badge_rows)
    write_csv = staticmethod(write_csv)
    hr_row = staticmethod(lambda sn, **kw: hr_row(sn, **kw))


@pytest.fixture
def kit() -> type[Kit]:
    return Kit


def hr_row(staff_number: str, **over: str) -> dict[str, str]:
    from integritas.catalog.registry import catalog

    row = {f.name: "" for f in catalog()["hr_master"].fields}
    row.update(
        staff_number=staff_number,
        forename="Alice",
        surname="Smith",
        date_of_birth="1980-05-01",
        home_postcode="AB1 2CD",
        unit_id="U1",
        staff_type="officer",
        rank_grade="PC",
        role="Response",
        is_supervisor="no",
        working_pattern="full_time",
        fte="1.0",
        start_date="2010-01-01",
    )
    for f in catalog()["hr_master"].fields:
        if not f.nullable and not row[f.name]:
            filler = {"boolean": "no", "float": "1", "integer": "1", "date": "2020-01-01"}
            row[f.name] = f.values[0] if f.values else filler.get(f.type, "x")
    row.update(over)
    return row


@pytest.fixture
def hr_csv(exports: Path) -> Callable[..., Path]:
    def make(rows: list[dict[str, str]]) -> Path:
        header = list(rows[0])
        return write_csv(exports / "hr_master.csv", header, [[r[h] for h in header] for r in rows])

    return make
