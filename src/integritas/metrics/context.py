"""What a metric function sees: curated tables as Ibis expressions and the analysis window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from integritas.engine.backends import cached_table


@dataclass(frozen=True)
class MetricContext:
    """``backend`` is an Ibis backend (DuckDB or PySpark) with one table per declared source.

    ``start``/``end`` bound the analysis window (inclusive dates): metric functions must only
    return periods that start inside it; the runner filters again to be sure.
    """

    backend: Any
    start: date
    end: date

    def table(self, source: str) -> ir.Table:
        # Shared by every context on the same backend: one schema look-up per table.
        return cached_table(self.backend, source)

    @property
    def start_lit(self) -> ir.DateScalar:
        return ibis.literal(self.start, type="date")

    @property
    def end_lit(self) -> ir.DateScalar:
        return ibis.literal(self.end, type="date")

    def between(self, col: ir.Value) -> ir.BooleanValue:
        """``col`` (a date or timestamp) falls inside the window."""
        day = col.date() if col.type().is_timestamp() else col
        return (day >= self.start_lit) & (day <= self.end_lit)
