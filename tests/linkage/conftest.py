"""A workspace with an hr_master vault, one registry and declarations, written as committed
batches (Parquet + manifest), then one linkage run shared by the module's tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from integritas.ingest.layout import write_manifest
from integritas.linkage.models import ReviewDecision
from integritas.linkage.synthetic import generate
from integritas.settings import Workspace

REGISTRY = "registry_company_directors"


def commit(ws: Workspace, source: str, table: pa.Table, *, plane: str, batch: str) -> None:
    folder = (ws.vault if plane == "vault" else ws.curated) / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{batch}.parquet"
    pq.write_table(table, path)
    write_manifest(
        ws,
        {
            "batch_id": batch,
            "source": source,
            "status": "committed",
            "committed_at": "2026-11-01T00:00:00Z",
            f"{plane}_files": [str(path.relative_to(ws.home))],
        },
    )


# Planted people: (person_id, staff forename, surname, dob, postcode) and how the registry
# shows them. Organisations are "Planted <case> Ltd".
PLANTED_STAFF = [
    ("PX-NICK", "Robert", "Quillfeather", date(1971, 5, 14), "LS6 2AB"),
    ("PX-SWAP", "Imogen", "Thistlewood", date(1983, 9, 2), "B15 3TT"),
    ("PX-NODOB", "Cressida", "Wolstenholme", date(1966, 1, 30), "CF10 1AA"),
    ("PX-NAMESAKE", "Gideon", "Pettigrew", date(1979, 7, 7), "EH3 9QQ"),
    ("PX-DECL", "Ottoline", "Brackenbury", date(1969, 3, 3), "G12 8QQ"),
]
PLANTED_REGISTRY = [
    # record_id, forenames, surname, dob, year, month, postcode, organisation, number
    ("RX-NICK", "Bob", "Quillfeather", date(1971, 5, 14), 1971, 5, "LS6 2AB", "Planted Nick Ltd", "90000001"),
    ("RX-SWAP", "Thistlewood", "Imogen", None, 1983, 9, "B15 3TT", "Planted Swap Ltd", "90000002"),
    ("RX-NODOB", "Cressida", "Wolstenholme", None, None, None, "CF10 1AA", "Planted Nodob Ltd", "90000003"),
    # same name, different person: other date of birth, other city
    ("RX-NAMESAKE", "Gideon", "Pettigrew", date(1952, 12, 25), 1952, 12, "TR1 1AA", "Planted Namesake Ltd", "90000004"),
    ("RX-DECL", "Ottoline", "Brackenbury", date(1969, 3, 3), 1969, 3, "G12 8QQ", "Brackenbury Consulting Limited", "90000005"),
]  # fmt: skip


@dataclass
class LinkedWorkspace:
    ws: Workspace
    result: Any
    truth: set[tuple[str, str]] = field(default_factory=set)
    registry: str = REGISTRY

    def cid(self, case: str) -> str:
        from integritas.linkage.engine import candidate_id

        return candidate_id(self.registry, f"PX-{case}", f"RX-{case}")


def build_workspace(home: Path) -> tuple[Workspace, set[tuple[str, str]]]:
    ws = Workspace.from_settings(home)
    staff, registry, truth = generate(600, 12_000, seed=11)
    staff = pa.concat_tables(
        [
            staff,
            pa.table(
                {
                    "person_id": [p[0] for p in PLANTED_STAFF],
                    "staff_number": [f"X{i}" for i in range(len(PLANTED_STAFF))],
                    "forename": [p[1] for p in PLANTED_STAFF],
                    "surname": [p[2] for p in PLANTED_STAFF],
                    "date_of_birth": [p[3] for p in PLANTED_STAFF],
                    "home_postcode": [p[4] for p in PLANTED_STAFF],
                },
                schema=staff.schema,
            ),
        ]
    )
    cols = registry.column_names
    planted = {c: [] for c in cols}  # type: dict[str, list[Any]]
    for rid, fn, sn, dob, yr, mo, pc, org, num in PLANTED_REGISTRY:
        vals = dict(
            record_id=rid, forenames=fn, surname=sn, birth_year=yr, birth_month=mo,
            date_of_birth=dob, postcode=pc, organisation_name=org, organisation_id=num,
            role="director", start_date=date(2024, 1, 1), end_date=None,
        )  # fmt: skip
        for c in cols:
            planted[c].append(vals[c])
    registry = pa.concat_tables([registry, pa.table(planted, schema=registry.schema)])
    commit(ws, "hr_master", staff, plane="vault", batch="b-hr-1")
    commit(ws, REGISTRY, registry, plane="curated", batch="b-reg-1")
    declared = pa.table(
        {
            "declaration_id": ["D1", "D2"],
            "person_id": ["PX-DECL", "PX-NICK"],
            "declared_date": [date(2024, 2, 1), date(2024, 2, 1)],
            "interest_type": ["directorship", "directorship"],
            # Ltd vs Limited, capitals: still the same organisation. The second is another firm.
            "organisation_name": ["BRACKENBURY CONSULTING LTD", "Unrelated Holdings plc"],
            "company_number": [None, "12345678"],
            "status": ["approved", "approved"],
        }
    )
    commit(ws, "business_interests", declared, plane="curated", batch="b-bi-1")
    return ws, truth


@pytest.fixture(scope="session")
def linked(tmp_path_factory: pytest.TempPathFactory) -> LinkedWorkspace:
    from integritas.linkage.engine import run_linkage

    ws, truth = build_workspace(tmp_path_factory.mktemp("linkws"))
    result = run_linkage(ws, REGISTRY, run_id="20261101T000000Z-test")
    return LinkedWorkspace(ws=ws, result=result, truth=truth)


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    """A SQLite store migrated to head (audit chain and linkage review decisions)."""
    from integritas.store.testing import temporary_store

    with temporary_store("sqlite", tmp_path) as engine:
        assert ReviewDecision.__tablename__ in inspect(engine).get_table_names()
        with Session(engine) as s:
            yield s


@pytest.fixture()
def audit_events(session: Session) -> Callable[[], list[dict[str, Any]]]:
    """Reads back the ``linkage.review`` audit events written in the session so far."""
    from integritas.audit.models import AuditEvent

    def read() -> list[dict[str, Any]]:
        session.flush()
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "linkage.review").order_by(AuditEvent.seq)
        )
        return [
            {"action": r.action, "object_id": r.object_id, "actor": r.actor,
             "detail": json.loads(r.detail)}
            for r in rows
        ]  # fmt: skip

    return read


Staged = tuple[Any, set[tuple[str, str]]]  # (DuckDB connection, true (person, record) links)


@pytest.fixture
def stage_generated(tmp_path: Path) -> Callable[[int, int, int], Staged]:
    """Generate a staff list and a registry, write them as Parquet and stage both in a fresh
    DuckDB connection the way the engine does (nicknames registered)."""
    import duckdb

    from integritas.linkage.standardise import register_nicknames, registry_table, staff_table

    def stage(n_staff: int, n_registry: int, seed: int) -> Staged:
        staff, registry, truth = generate(n_staff, n_registry, seed=seed)
        pq.write_table(staff, tmp_path / "s.parquet")
        pq.write_table(registry, tmp_path / "r.parquet")
        con = duckdb.connect()
        register_nicknames(con)
        staff_table(con, [tmp_path / "s.parquet"])
        registry_table(con, [tmp_path / "r.parquet"])
        return con, truth

    return stage
