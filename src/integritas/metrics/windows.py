"""Rolling-window helpers shared by the person-level metric families.

A period is a calendar month; a rolling metric looks back ``days`` from the month end. Rows are
paired with the periods whose window contains them by an equi-join on their day with a small
day-to-period table built in Python (one row per day of each period's window, ~1,200 for a year
and 90-day windows), so the same expression runs on DuckDB and Spark as a hash join. A cross
join with the calendar filtered on the range is the same pairing, but planned as a range join
it costs ~25x more (DuckDB's piecewise merge join: 0.10 s against 0.004 s for 89k look-ups).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext

Rows = Callable[[MetricContext], ir.Table]


def calendar(ctx: MetricContext, days: int | None = None) -> ir.Table:
    """One row per calendar month touching the analysis window.

    ``period_end`` is the month end (or the window end); ``window_start`` is the first day of
    the look-back: the month start, or ``period_end - days + 1`` for a rolling window.
    """
    schema = {"period_start": "date", "period_end": "date", "window_start": "date"}
    return ibis.memtable(calendar_rows(ctx, days), schema=schema)


def calendar_rows(ctx: MetricContext, days: int | None = None) -> list[dict[str, date]]:
    """The rows of ``calendar``."""
    rows: list[dict[str, date]] = []
    month = date(ctx.start.year, ctx.start.month, 1)
    while month <= ctx.end:
        end = min(_month_end(month), ctx.end)
        start = month if days is None else end - timedelta(days=days - 1)
        rows.append({"period_start": month, "period_end": end, "window_start": start})
        month = _month_end(month) + timedelta(days=1)
    return rows


def day_periods(ctx: MetricContext, days: int | None = None) -> ir.Table:
    """One row per (day, period) with the day inside the period's window (``calendar``):
    ``_day``, ``period_start``, ``period_end``."""
    rows: list[dict[str, date]] = []
    for month in calendar_rows(ctx, days):
        start, end = month["period_start"], month["period_end"]
        day = month["window_start"]
        while day <= end:
            rows.append({"_day": day, "period_start": start, "period_end": end})
            day += timedelta(days=1)
    schema = {"_day": "date", "period_start": "date", "period_end": "date"}
    return ibis.memtable(rows, schema=schema)


def lookback_start(ctx: MetricContext, days: int | None) -> date:
    """The earliest day any period of the analysis window looks at."""
    first = date(ctx.start.year, ctx.start.month, 1)
    if days is None:
        return first
    return min(first, _month_end(first) - timedelta(days=days - 1))


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def windowed(
    ctx: MetricContext, rows: ir.Table, person: str, when: str, days: int | None
) -> ir.Table:
    """``rows`` paired with every period whose window contains the row's day of ``when``.

    Adds ``subject_id``, ``period_start``, ``period_end`` and ``_day``; the pairing is an
    equi-join on the day with ``day_periods``, so it runs the same on DuckDB and Spark.
    """
    col = rows[when]
    day = col.date() if col.type().is_timestamp() else col
    lo = ibis.literal(lookback_start(ctx, days), type="date")
    ev = rows.mutate(subject_id=rows[person].cast("string"), _day=day)
    ev = ev.filter((ev._day >= lo) & (ev._day <= ctx.end_lit))
    return ev.join(day_periods(ctx, days), "_day")


def count_in_window(
    ctx: MetricContext,
    rows: ir.Table,
    person: str,
    when: str,
    days: int | None,
) -> ir.Table:
    """Rows per person and period (``value`` float64)."""
    w = windowed(ctx, rows, person, when, days)
    return w.group_by(["subject_id", "period_start"]).aggregate(value=w.count().cast("float64"))


def evidence_rows(w: ir.Table, source: str) -> ir.Table:
    """The evidence shape from a table with subject_id, period_start, _batch_id, _row_number."""
    return w.select(
        subject_id=w.subject_id,
        period_start=w.period_start,
        source=ibis.literal(source, type="string"),
        batch_id=w._batch_id.cast("string"),
        row_number=w._row_number.cast("int64"),
    ).distinct()


def counted(
    source: str, rows: Rows, person: str, when: str, days: int | None
) -> tuple[Callable[[MetricContext], ir.Table], Callable[[MetricContext], ir.Table]]:
    """A (compute, evidence) pair counting ``rows(ctx)`` per person in each period's window."""

    def compute(ctx: MetricContext) -> ir.Table:
        return count_in_window(ctx, rows(ctx), person, when, days)

    def evidence(ctx: MetricContext) -> ir.Table:
        return evidence_rows(windowed(ctx, rows(ctx), person, when, days), source)

    return compute, evidence
