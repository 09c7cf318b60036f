"""``it_no_reference_vs_role``: a person's unreferenced look-ups judged against their role."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import ibis
import pyarrow as pa
import pytest

from integritas.metrics.context import MetricContext
from integritas.metrics.families.access_rates import MIN_ROLE_PEERS
from integritas.metrics.registry import METRICS, load_metrics

LOOKUPS = 100  # per person, all in January 2026


def _score(u: int, n: int, rate: float) -> float:
    return 2 * math.sqrt(n) * (math.asin(math.sqrt(u / n)) - math.asin(math.sqrt(rate)))


def _backend(people: dict[str, tuple[str, int]]) -> ibis.BaseBackend:
    """``people``: person -> (role, look-ups without a reference out of LOOKUPS)."""
    hr, it = [], []
    for i, (pid, (role, unref)) in enumerate(sorted(people.items()), start=1):
        hr.append(dict(person_id=pid, role=role, _batch_id="B-hr", _row_number=i))
        for k in range(LOOKUPS):
            it.append(
                dict(
                    event_id=f"{pid}-{k}",
                    person_id=pid,
                    incident_reference=None if k < unref else f"CAD{k}",
                    event_time=datetime(2026, 1, 2) + timedelta(hours=k),
                    _batch_id="B-it",
                    _row_number=len(it) + 1,
                )
            )
    backend = ibis.duckdb.connect()
    for name, rows in (("hr_master", hr), ("it_access", it)):
        backend.con.register("_src", pa.Table.from_pylist(rows))
        backend.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        backend.con.unregister("_src")
    return backend


def _values(people: dict[str, tuple[str, int]]) -> dict[str, float]:
    load_metrics()
    ctx = MetricContext(_backend(people), date(2026, 1, 1), date(2026, 1, 31))
    df = METRICS["it_no_reference_vs_role"].compute(ctx).to_pandas()
    return {r.subject_id: float(r.value) for r in df.itertuples()}


def test_compared_with_the_role_not_the_force() -> None:
    # Control-room staff leave half their look-ups unreferenced as a matter of course;
    # response officers leave 5%. An officer at 30% stands out; a controller at 50% does not.
    n = MIN_ROLE_PEERS + 1
    people = {f"P-C{i:02d}": ("control_room", 50) for i in range(n)}
    people |= {f"P-R{i:02d}": ("response_officer", 5) for i in range(n)}
    people["P-ODD"] = ("Response_Officer ", 30)  # role compared trimmed, lower-case
    got = _values(people)
    assert got["P-C00"] == pytest.approx(0.0, abs=1e-9)
    # the odd officer's colleagues leave 5 in 100 unreferenced; theirs leave 5 in 100 and the
    # odd officer's 30 (leave-one-out), which is the role's median score; the spread is below
    # one standard error, so the scale is 1
    typical = _score(5, LOOKUPS, (5 * (n - 1) + 30) / (LOOKUPS * n))
    assert got["P-ODD"] == pytest.approx(_score(30, LOOKUPS, 5 / 100) - typical)
    assert got["P-ODD"] > 4
    assert got["P-R00"] == pytest.approx(0.0, abs=1e-9)


def test_a_role_whose_habits_vary_is_judged_by_its_own_spread() -> None:
    # Same rates, but in one role the habit varies widely: the same 30-in-100 scores lower.
    n = MIN_ROLE_PEERS + 1
    steady = {f"P-S{i:02d}": ("detective", 10) for i in range(n)} | {"P-X": ("detective", 30)}
    varied = {f"P-V{i:02d}": ("custody", (0, 5, 10, 15, 20)[i % 5]) for i in range(n)}
    varied["P-Y"] = ("custody", 30)
    got = _values(steady | varied)
    assert got["P-X"] > 4
    assert 0 < got["P-Y"] < got["P-X"] / 2


def test_a_small_role_is_compared_with_the_whole_force() -> None:
    people = {f"P-R{i:02d}": ("response_officer", 10) for i in range(MIN_ROLE_PEERS + 1)}
    people |= {"P-RARE": ("dog_handler", 10), "P-RARE2": ("dog_handler", 40)}
    got = _values(people)
    # the dog handlers are compared with everyone else in the force (P-RARE2: 120 in 1,200);
    # the response officers, each exactly at their role's rate, score 0, the force's median,
    # with no spread
    assert got["P-R00"] == pytest.approx(0.0, abs=1e-9)
    assert got["P-RARE2"] == pytest.approx(_score(40, LOOKUPS, 120 / 1200))
    assert got["P-RARE"] == pytest.approx(_score(10, LOOKUPS, 150 / 1200))


def test_reference_missing_is_null_or_any_whitespace() -> None:
    from integritas.metrics.families.access import reference_missing

    refs = {
        "null": None,
        "empty": "",
        "space": " ",
        "tab": "\t",
        "mixed": " \t\r\n ",
        "tab-led": "\tCAD1",
        "plain": "CAD1",
        "punct": "#1",
    }
    t = ibis.memtable(
        pa.table({"k": list(refs), "incident_reference": pa.array(refs.values(), pa.string())})
    )
    out = ibis.duckdb.connect().to_pyarrow(t.select("k", missing=reference_missing(t)))
    got = dict(zip(out["k"].to_pylist(), out["missing"].to_pylist(), strict=True))
    assert got == {k: k in {"null", "empty", "space", "tab", "mixed"} for k in refs}
