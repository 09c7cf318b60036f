"""Peer statistics of ``finalise`` against a plain-Python reading of their definition."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa
import pytest

from integritas.metrics.model import MetricSpec
from integritas.metrics.peers import finalise

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)
NOW = datetime(2025, 3, 1, tzinfo=UTC)
# Unit U1: 7 constables (ties at 2.0 and 5.0) and 2 sergeants; unit U2: 2 constables.
PEOPLE = [(f"P-{i}", "U1", "Constable") for i in range(7)] + [
    ("P-S0", "U1", "Sergeant"),
    ("P-S1", "U1", "Sergeant"),
    ("P-X0", "U2", "Constable"),
    ("P-X1", "U2", "Constable"),
]
VALUES: dict[str, float | None] = {
    "P-0": 2.0,
    "P-1": 2.0,
    "P-2": 2.0,
    "P-3": 5.0,
    "P-4": 5.0,
    "P-5": 9.0,
    "P-6": 0.5,
    "P-S0": 1.0,
    "P-S1": 3.0,
    "P-X0": 4.0,
    "P-X1": None,
}


def _spec(**extra: object) -> MetricSpec:
    fields: dict[str, object] = {
        "name": "peer_test",
        "version": 1,
        "tier": "secondary",
        "subject": "person",
        "period": "month",
        "purpose": "welfare",
        "reads": ("hr_master.person_id",),
        "owner": "tests",
        "family": "tests",
        "description": "A metric for peer statistics tests.",
        "explanation": "{value} against peers {peer_median}",
    }
    fields.update(extra)
    return MetricSpec.model_validate(fields)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(
        "CREATE TABLE hr_master (person_id VARCHAR, unit_id VARCHAR, rank_grade VARCHAR, "
        "start_date DATE, leave_date DATE, _batch_id VARCHAR, _row_number BIGINT)"
    )
    for i, (pid, unit, rank) in enumerate(PEOPLE):
        c.execute(
            "INSERT INTO hr_master VALUES (?, ?, ?, NULL, NULL, 'B-1', ?)", [pid, unit, rank, i]
        )
    return c


def _mid_rank(value: float, group: list[float]) -> float:
    below = sum(v < value for v in group)
    ties = sum(v == value for v in group)
    return 100.0 * (below + 0.5 * ties) / len(group)


def _january(con: duckdb.DuckDBPyConnection, people: list[str], values: list) -> pa.Table:
    """``finalise`` of a person metric's January values (peer groups of at least 5)."""
    raw = pa.table(
        {
            "subject_id": people,
            "period_start": pa.array([JAN] * len(people), pa.date32()),
            "value": pa.array(values, pa.float64()),
        }
    )
    return finalise(
        con,
        _spec(),
        raw,
        start=JAN,
        end=date(2025, 1, 31),
        zero_fill=False,
        small_cell_k=10,
        min_peer_group=5,
        batch_ids=["B-1", "B-2"],
        computed_at=NOW,
    )


def test_person_peers_unit_then_rank_then_none(con: duckdb.DuckDBPyConnection) -> None:
    out = _january(con, [*VALUES, "P-UNKNOWN"], [*VALUES.values(), 7.0])
    rows = {r["subject_id"]: r for r in out.to_pylist()}
    constables_u1 = [v for i in range(7) if (v := VALUES[f"P-{i}"]) is not None]
    for i in range(7):
        r = rows[f"P-{i}"]
        value = VALUES[f"P-{i}"]
        assert value is not None
        assert r["peer_group"] == "unit+rank: U1 / Constable" and r["peer_n"] == 7
        assert r["peer_median"] == statistics.median(constables_u1) == 2.0
        mad = statistics.median(abs(v - 2.0) for v in constables_u1)
        assert r["peer_mad"] == mad
        assert r["peer_percentile"] == pytest.approx(_mid_rank(value, constables_u1))
    # U2 has one constable with a value: below 5, so compared with every constable force-wide.
    all_constables = [*constables_u1, 4.0]
    x0 = rows["P-X0"]
    assert x0["peer_group"] == "rank: Constable" and x0["peer_n"] == 8
    assert x0["peer_median"] == statistics.median(all_constables)
    assert x0["peer_percentile"] == pytest.approx(_mid_rank(4.0, all_constables))
    # Sergeants: 2 people, below min_peer_group at every level; no value: no comparison.
    assert rows["P-S0"]["peer_group"] is None and rows["P-S0"]["peer_n"] is None
    assert rows["P-X1"]["value"] is None and rows["P-X1"]["peer_n"] is None
    assert rows["P-UNKNOWN"]["peer_group"] is None  # not in hr_master: never compared
    assert {tuple(r["batch_ids"]) for r in rows.values()} == {("B-1", "B-2")}
    assert {r["computed_at"] for r in rows.values()} == {NOW}


def test_unit_cells_suppressed_below_k_and_force_peers(con: duckdb.DuckDBPyConnection) -> None:
    raw = pa.table(
        {
            "subject_id": ["U1", "U2", "U3", "U4", "U1"],
            "period_start": pa.array([JAN, JAN, JAN, JAN, FEB], pa.date32()),
            "value": pa.array([1.0, 3.0, 3.0, 8.0, 2.0], pa.float64()),
            "n_people": pa.array([12, 30, 4, 11, 12], pa.int64()),
        }
    )
    spec = _spec(tier="primary", subject="unit", name="unit_peer_test")
    out = finalise(
        con,
        spec,
        raw,
        start=JAN,
        end=date(2025, 2, 28),
        zero_fill=False,
        small_cell_k=10,
        min_peer_group=5,
        batch_ids=[],
        computed_at=NOW,
    )
    rows = {(r["subject_id"], r["period_start"]): r for r in out.to_pylist()}
    u3 = rows[("U3", JAN)]
    assert u3["suppressed"] and u3["value"] is None and u3["peer_n"] is None
    shown = [1.0, 3.0, 8.0]
    for unit, value in (("U1", 1.0), ("U2", 3.0), ("U4", 8.0)):
        r = rows[(unit, JAN)]
        assert r["peer_group"] == "force" and r["peer_n"] == 3 and r["peer_median"] == 3.0
        assert r["peer_mad"] == statistics.median(abs(v - 3.0) for v in shown)
        assert r["peer_percentile"] == pytest.approx(_mid_rank(value, shown))
    assert rows[("U1", FEB)]["peer_n"] == 1 and rows[("U1", FEB)]["peer_percentile"] == 50.0
    assert all(r["batch_ids"] == [] for r in rows.values())


def test_float_noise_in_the_last_bits_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    """A sum of doubles computed in parallel differs in its last bits from run to run: ties,
    and so percentiles, must not depend on it."""

    def run(noise: float) -> list[dict]:
        # every other person's value off by a few units in the last place
        values = [
            None if v is None else v * 0.1 + noise * (i % 2) for i, v in enumerate(VALUES.values())
        ]
        out = _january(con, list(VALUES), values)
        return sorted(out.drop_columns(["computed_at"]).to_pylist(), key=lambda r: r["subject_id"])

    exact, noisy = run(0.0), run(4e-16)
    assert noisy == exact
    assert {r["subject_id"]: r["value"] for r in exact}["P-0"] == 0.2  # 2.0 * 0.1, tidied
