"""Data minimisation report: which metrics read each curated field, and which fields none do."""

from __future__ import annotations

from dataclasses import dataclass

from integritas.catalog.models import SourceKind
from integritas.catalog.registry import catalog
from integritas.metrics.registry import Metric, load_metrics


@dataclass(frozen=True)
class FieldUse:
    source: str
    field: str
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class MinimisationReport:
    used: tuple[FieldUse, ...]
    unused: tuple[FieldUse, ...]


def minimisation_report(metrics: list[Metric] | None = None) -> MinimisationReport:
    """Per curated field of every declared source, the metrics that declare reading it."""
    ms = metrics if metrics is not None else load_metrics()
    readers: dict[str, list[str]] = {}
    for m in ms:
        for read in m.spec.reads:
            readers.setdefault(read, []).append(m.name)
    used: list[FieldUse] = []
    unused: list[FieldUse] = []
    for name, src in sorted(catalog().items()):
        columns = list(src.curated_columns())
        if src.kind is SourceKind.LOCATION:
            columns.append("site_label")
        for col in columns:
            who = tuple(sorted(readers.get(f"{name}.{col}", [])))
            (used if who else unused).append(FieldUse(name, col, who))
    return MinimisationReport(tuple(used), tuple(unused))
