"""A tiny hand-made workspace: unit U1 (12 people, Constables) and U2 (3 Sergeants)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from integritas.engine.testing import write_batch
from integritas.settings import Workspace

WINDOW = (date(2025, 1, 1), date(2025, 2, 28))


def _people() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(12):
        rows.append(
            {
                "person_id": f"P-A{i:02d}",
                "unit_id": "U1",
                "rank_grade": "Constable",
                "fte": 0.5 if i == 3 else 1.0,
                "start_date": date(2020, 1, 1),
                "leave_date": date(2025, 1, 20) if i == 9 else None,
                "hybrid_policy_pct": None,
            }
        )
    rows.append(
        {
            "person_id": "P-A12",
            "unit_id": "U1",
            "rank_grade": "Constable",
            "fte": 1.0,
            "start_date": date(2025, 2, 10),
        }
    )
    for i in range(3):
        rows.append(
            {
                "person_id": f"P-B{i:02d}",
                "unit_id": "U2",
                "rank_grade": "Sergeant",
                "fte": 1.0,
                "start_date": date(2019, 5, 1),
            }
        )
    return rows


def build_tiny(home: Path) -> Workspace:
    ws = Workspace.from_settings(home)
    ts = datetime
    write_batch(ws, "hr_master", _people())
    write_batch(
        ws,
        "absence",
        [
            {
                "absence_id": "AB1",
                "person_id": "P-A01",
                "absence_type": "sickness",
                "start_date": date(2025, 1, 30),
                "end_date": date(2025, 2, 2),
            },
            {
                "absence_id": "AB2",
                "person_id": "P-A02",
                "absence_type": "annual_leave",
                "start_date": date(2025, 1, 6),
                "end_date": date(2025, 1, 10),
            },
        ],
    )
    write_batch(
        ws,
        "overtime_claims",
        [
            {
                "claim_id": "OT1",
                "person_id": "P-A01",
                "work_date": date(2025, 1, 10),
                "hours": 3.0,
                "status": "paid",
                "authoriser_id": "P-A01",
                "start_time": ts(2025, 1, 10, 17),
                "end_time": ts(2025, 1, 10, 20),
            },
            {
                "claim_id": "OT2",
                "person_id": "P-A02",
                "work_date": date(2025, 1, 11),
                "hours": 2.0,
                "status": "rejected",
                "authoriser_id": "P-A00",
                "start_time": ts(2025, 1, 11, 17),
                "end_time": ts(2025, 1, 11, 19),
            },
            {
                "claim_id": "OT3",
                "person_id": "P-A04",
                "work_date": date(2025, 2, 5),
                "hours": 4.0,
                "status": "approved",
                "authoriser_id": "P-A00",
                "operation_code": "OP1",
                "start_time": ts(2025, 2, 5, 17),
                "end_time": ts(2025, 2, 5, 21),
            },
        ],
    )
    write_batch(
        ws,
        "duty_roster",
        [
            {
                "shift_id": "S1",
                "person_id": "P-A01",
                "unit_id": "U1",
                "shift_date": date(2025, 1, 15),
                "actual_start": ts(2025, 1, 15, 8),
                "actual_end": ts(2025, 1, 15, 20, 30),
                "shift_type": "day",
                "status": "worked",
            },
            {
                "shift_id": "S2",
                "person_id": "P-A02",
                "unit_id": "U1",
                "shift_date": date(2025, 1, 16),
                "actual_start": ts(2025, 1, 16, 22),
                "actual_end": ts(2025, 1, 17, 7),
                "shift_type": "night",
                "status": "worked",
            },
            {
                "shift_id": "S3",
                "person_id": "P-A01",
                "unit_id": "U1",
                "shift_date": date(2025, 1, 20),
                "shift_type": "rest",
                "status": "rest_day",
            },
        ],
    )
    write_batch(
        ws,
        "roster_audit",
        [
            {
                "edit_id": "E1",
                "shift_id": "S1",
                "person_id": "P-A01",
                "subject_person_id": "P-A01",
                "edited_at": ts(2025, 1, 16, 10),
                "edit_type": "amend",
                "field_changed": "actual_end",
            },
            {
                "edit_id": "E2",
                "shift_id": "S3",
                "person_id": "P-A00",
                "subject_person_id": "P-A01",
                "edited_at": ts(2025, 1, 18, 9),
                "edit_type": "amend",
                "field_changed": "duty",
            },
        ],
    )
    write_batch(
        ws,
        "complaints",
        [
            {
                "complaint_id": "C1",
                "person_id": "P-A05",
                "received_date": date(2025, 1, 5),
                "allegation_category": "discourtesy",
                "complaint_source": "public",
                "outcome": "upheld",
                "finalised_date": date(2025, 2, 10),
            },
        ],
    )
    return ws


@pytest.fixture
def tiny_ws(tmp_path: Path) -> Workspace:
    return build_tiny(tmp_path / "home")


@pytest.fixture
def tiny_factory() -> Callable[[Path], Workspace]:
    return build_tiny
