"""Rolling windows: the day-to-period table and the counts built on it, against brute force."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.metrics.context import MetricContext
from integritas.metrics.windows import calendar_rows, count_in_window, day_periods

CON = ibis.duckdb.connect()
days_back = st.one_of(st.none(), st.integers(min_value=1, max_value=400))
starts = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))


def _ctx(start: date, length: int) -> MetricContext:
    return MetricContext(CON, start, start + timedelta(days=length))


@settings(max_examples=60, deadline=None)
@given(start=starts, length=st.integers(min_value=0, max_value=500), days=days_back)
def test_day_periods_pairs_each_day_with_every_window_holding_it(
    start: date, length: int, days: int | None
) -> None:
    ctx = _ctx(start, length)
    got = {
        (r["_day"], r["period_start"], r["period_end"])
        for r in CON.to_pyarrow(day_periods(ctx, days)).to_pylist()
    }
    months = calendar_rows(ctx, days)
    first = min(m["window_start"] for m in months)
    want = {
        (first + timedelta(days=i), m["period_start"], m["period_end"])
        for i in range((ctx.end - first).days + 1)
        for m in months
        if m["window_start"] <= first + timedelta(days=i) <= m["period_end"]
    }
    assert got == want
    if days is not None:  # a full window holds `days` days, whatever the month length
        full = [m for m in months if m["period_end"] == _month_end(m["period_start"])]
        per_period = Counter(p for _, p, _ in got)
        assert all(per_period[m["period_start"]] == days for m in full)


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


@settings(max_examples=40, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-200, max_value=260), max_size=40),
    days=days_back,
)
def test_count_in_window_matches_a_brute_force_count(offsets: list[int], days: int | None) -> None:
    ctx = _ctx(date(2025, 1, 1), 200)
    people = [f"P-{i % 3}" for i in range(len(offsets))]
    times = [datetime(2025, 1, 1, 13, 30) + timedelta(days=o) for o in offsets]
    rows = ibis.memtable(
        pa.table({"person_id": pa.array(people, pa.string()), "at": pa.array(times)})
    )
    got = {
        (r["subject_id"], r["period_start"]): r["value"]
        for r in CON.to_pyarrow(count_in_window(ctx, rows, "person_id", "at", days)).to_pylist()
    }
    want: Counter[tuple[str, date]] = Counter()
    for person, at in zip(people, times, strict=True):
        for m in calendar_rows(ctx, days):
            if m["window_start"] <= at.date() <= m["period_end"]:
                want[(person, m["period_start"])] += 1
    assert got == {k: float(v) for k, v in want.items()}
