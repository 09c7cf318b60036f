"""Shared expression helpers for the recurring shapes of metrics (engine-neutral Ibis)."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir


def month_of(col: ir.Value) -> ir.DateValue:
    """First day of the calendar month of a date or timestamp column, as a date."""
    day = col.date() if col.type().is_timestamp() else col
    return day.truncate("M").cast("date")


def week_of(col: ir.Value) -> ir.DateValue:
    """Monday of the ISO week of a date or timestamp column, as a date."""
    day = col.date() if col.type().is_timestamp() else col
    return day.truncate("W").cast("date")


def safe_div(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, null where the denominator is 0 or null (ANSI-mode safe)."""
    den = denominator.cast("float64")
    return ibis.cases((den == 0, ibis.null("float64")), else_=numerator.cast("float64") / den)


def per_person_month(
    table: ir.Table,
    person: str,
    when: str,
    value: Callable[[ir.Table], ir.Scalar] | None = None,
) -> ir.Table:
    """Group ``table`` by person and month of ``when``; value = ``value(t)`` or row count."""
    grouped = table.mutate(subject_id=table[person], period_start=month_of(table[when]))
    agg = grouped.count() if value is None else value(grouped)
    return grouped.group_by(["subject_id", "period_start"]).aggregate(value=agg.cast("float64"))
