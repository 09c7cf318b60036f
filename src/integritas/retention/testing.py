"""A small planted workspace for tests of retention, rights, transparency and fairness.

Hand-made rows only (no real people): three people, an old and a recent overtime claim, metric
values with row-level evidence, a flag built on the old claim, linkage candidates and a migrated
SQLite store. Everything derived is written in the documented shapes (docs/architecture.md).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from integritas.catalog.registry import catalog
from integritas.settings import IngestSettings, Workspace

OLD_DAY = date(2015, 3, 2)  # far past every overtime retention period


@dataclass
class Planted:
    ws: Workspace
    people: dict[str, str]  # staff number -> person id
    claims: dict[str, str] = field(default_factory=dict)  # claim id -> staff number
    old_claim: str = "OT-OLD-A"
    old_flag: str = "F-OLDFLAG000000A"
    recent: date = field(default_factory=lambda: date.today() - timedelta(days=10))


def _row(source: str, **values: str) -> dict[str, str]:
    row = {f.name: "" for f in catalog()[source].fields}
    row.update(values)
    return row


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def hr(
    staff: str, *, leave: str = "", pattern: str = "full_time", rank: str = "PC"
) -> dict[str, str]:
    return _row(
        "hr_master",
        staff_number=staff,
        forename="Test",
        surname=f"Person{staff}",
        date_of_birth="1980-05-01",
        home_postcode="ZZ1 1ZZ",
        unit_id="U1",
        staff_type="officer",
        rank_grade=rank,
        role="Response",
        is_supervisor="false",
        working_pattern=pattern,
        fte="1.0",
        attendance_exemption="false",
        start_date="2005-01-01",
        leave_date=leave,
    )


def claim(cid: str, staff: str, day: date, hours: str = "4.0") -> dict[str, str]:
    return _row(
        "overtime_claims",
        claim_id=cid,
        staff_number=staff,
        unit_id="U1",
        work_date=day.isoformat(),
        start_time=f"{day.isoformat()} 08:00:00",
        end_time=f"{day.isoformat()} 12:00:00",
        hours=hours,
        reason_code="court",
        submitted_at=f"{day.isoformat()} 13:00:00",
        status="approved",
    )


def plant(home: Path) -> Planted:
    """Ingest the planted exports and write derived tables and a migrated store."""
    from integritas.ingest.pseudonyms import Pseudonymiser
    from integritas.ingest.service import ingest_path
    from integritas.store.migrate import upgrade
    from integritas.store.session import make_engine

    ws = Workspace.from_settings(home)
    staff = {"S100": "", "S200": "2012-06-30", "S300": ""}  # S200 left long ago
    ps = Pseudonymiser(ws)
    p = Planted(ws, {s: ps.pseudonym(s) for s in staff})
    exports = home.parent / f"{home.name}-exports"
    _write(exports / "hr_master.csv", [hr(s, leave=lv) for s, lv in staff.items()])
    claims = [
        claim(p.old_claim, "S100", OLD_DAY),
        claim("OT-NEW-A", "S100", p.recent),
        claim("OT-NEW-B", "S200", p.recent),
        claim("OT-NEW-C", "S300", p.recent),
    ]
    p.claims = {c["claim_id"]: c["staff_number"] for c in claims}
    _write(exports / "overtime_claims.csv", claims)
    settings = IngestSettings(operator="test")
    for name in ("hr_master", "overtime_claims"):
        report = ingest_path(ws, exports / f"{name}.csv", settings=settings)
        bad = [r for r in report.results if r.status.value != "committed"]
        if bad:
            raise RuntimeError(f"planting {name} failed: {bad}")
    _derived(p)
    upgrade(make_engine(ws.database_url))
    return p


def curated_rows(ws: Workspace, source: str) -> list[dict[str, object]]:
    from integritas.ingest.layout import curated_files

    rows: list[dict[str, object]] = []
    for f in curated_files(ws, source):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


def _derived(p: Planted) -> None:
    from integritas.detect.flags import write_flags
    from integritas.detect.models import EvidenceRow, Flag, Mode, Severity, Tier

    ws = p.ws
    claims = {str(r["claim_id"]): r for r in curated_rows(ws, "overtime_claims")}
    a, b = p.people["S100"], p.people["S200"]
    old, new_a = claims[p.old_claim], claims["OT-NEW-A"]
    old_period = OLD_DAY.replace(day=1)
    new_period = p.recent.replace(day=1)
    values = []
    evidence = []
    for person, period, row in (
        (a, old_period, old),
        (a, new_period, new_a),
        (b, new_period, claims["OT-NEW-B"]),
    ):
        values.append(
            {
                "subject_type": "person",
                "subject_id": person,
                "metric": "overtime_hours",
                "version": 1,
                "tier": "secondary",
                "period_start": period,
                "period_end": period + timedelta(days=27),
                "value": 4.0,
                "suppressed": False,
                "n_people": None,
                "peer_group": "U1",
                "peer_n": 3,
                "peer_median": 4.0,
                "peer_mad": 0.0,
                "peer_percentile": 50.0,
                "batch_ids": [str(row["_batch_id"])],
                "computed_at": "2026-01-01T00:00:00",
            }
        )
        evidence.append(
            {
                "metric": "overtime_hours",
                "subject_id": person,
                "period_start": period,
                "source": "overtime_claims",
                "batch_id": str(row["_batch_id"]),
                "row_number": int(str(row["_row_number"])),
            }
        )
    derived = ws.home / "derived"
    derived.mkdir(parents=True, exist_ok=True)
    from integritas.metrics.values import EVIDENCE_SCHEMA, VALUES_SCHEMA

    for v in values:
        v["computed_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    # Written in the runner's exact schemas, as the metrics runner would have written them.
    pq.write_table(
        pa.Table.from_pylist(values, schema=VALUES_SCHEMA), derived / "metric_values.parquet"
    )
    pq.write_table(
        pa.Table.from_pylist(evidence, schema=EVIDENCE_SCHEMA),
        derived / "metric_evidence.parquet",
    )
    flag = Flag(
        flag_id=p.old_flag,
        person_id=a,
        rule="overtime_high",
        rule_version=1,
        tier=Tier.SECONDARY,
        severity=Severity.MEDIUM,
        mode=Mode.SHADOW,
        period_start=old_period,
        period_end=old_period + timedelta(days=27),
        metric="overtime_hours",
        value=4.0,
        peer_median=4.0,
        peer_mad=0.0,
        peer_n=3,
        peer_low=None,
        peer_high=None,
        robust_z=None,
        percentile=None,
        periods_hit=1,
        evidence=(
            EvidenceRow(
                source="overtime_claims",
                batch_id=str(old["_batch_id"]),
                row_number=int(str(old["_row_number"])),
            ),
        ),
        explanation="Planted.",
        scenario="test",
    )
    write_flags(ws, [flag], [])
    run = derived / "linkage" / "registry_company_directors" / "R1"
    run.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(
            [
                {
                    "candidate_id": "L-1",
                    "run_id": "R1",
                    "registry": "registry_company_directors",
                    "person_id": b,
                    "record_id": "CD-1",
                    "match_probability": 0.9,
                },
                {
                    "candidate_id": "L-2",
                    "run_id": "R1",
                    "registry": "registry_company_directors",
                    "person_id": a,
                    "record_id": "CD-2",
                    "match_probability": 0.8,
                },
            ]
        ),
        run / "candidates.parquet",
    )
    (run / "run.json").write_text(json.dumps({"run_id": "R1"}), encoding="utf-8")


def copy_planted(p: Planted, home: Path) -> Planted:
    """A private copy of a planted workspace (plant once per session, copy per test)."""
    import shutil

    shutil.copytree(p.ws.home, home, symlinks=True)
    ws = Workspace.from_settings(home)
    return Planted(ws, dict(p.people), dict(p.claims), p.old_claim, p.old_flag, p.recent)
