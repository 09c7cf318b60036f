"""The metric registry: declared once with `@metric`, duplicates and purpose creep rejected.

A metric is a function ``fn(ctx: MetricContext) -> ibis.Table`` returning one row per subject
and period with columns ``subject_id`` (string), ``period_start`` (date) and ``value``
(float64). Person metrics may also declare ``evidence=``, a function of the same context
returning the curated rows behind each value: ``subject_id``, ``period_start``, ``source``
(string), ``batch_id`` (string), ``row_number`` (int64). Tertiary metrics must declare it.

**Purpose limitation**: every field in ``reads`` must be a curated column of a declared source
whose ``purposes`` include the metric's purpose; otherwise registration fails and says which.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integritas.catalog.models import Handling, SourceKind
from integritas.catalog.registry import catalog
from integritas.metrics.model import MetricSpec, MetricTier

if TYPE_CHECKING:
    from integritas.metrics.context import MetricContext

MetricFn = Callable[["MetricContext"], Any]

_LINEAGE = ("_batch_id", "_row_number")


class MetricDeclarationError(ValueError):
    """A metric declaration breaks a rule of the register (name, purpose, fields)."""


@dataclass(frozen=True)
class Metric:
    spec: MetricSpec
    compute: MetricFn
    evidence: MetricFn | None = None

    @property
    def name(self) -> str:
        return self.spec.name


def check_reads(spec: MetricSpec) -> None:
    """Raise MetricDeclarationError unless every read field exists and serves the purpose."""
    problems: list[str] = []
    sources = catalog()
    for read in spec.reads:
        source_name, column = read.split(".", 1)
        if source_name not in sources:
            problems.append(f"{read}: no declared source {source_name!r}")
            continue
        source = sources[source_name]
        columns = source.curated_columns()
        known = set(columns) | set(_LINEAGE)
        if source.kind is SourceKind.LOCATION:
            known.add("site_label")
        if column not in known:
            problems.append(
                f"{read}: source {source_name!r} has no curated column {column!r} "
                f"(has: {', '.join(sorted(columns))})"
            )
            continue
        if spec.purpose not in source.purposes:
            problems.append(
                f"{read}: source {source_name!r} is declared for "
                f"{', '.join(p.value for p in source.purposes)}, not {spec.purpose.value}"
            )
        field = columns.get(column)
        free_text = field is not None and field.handling is Handling.FREE_TEXT
        if free_text and field is not None and spec.purpose not in field.needed_for:
            problems.append(f"{read}: free text not declared as needed for {spec.purpose}")
    if problems:
        raise MetricDeclarationError(
            f"metric {spec.name!r} reads fields it may not use:\n  " + "\n  ".join(problems)
        )


class MetricRegistry:
    def __init__(self) -> None:
        self._items: dict[str, Metric] = {}

    def add(self, metric: Metric) -> Metric:
        spec = metric.spec
        if spec.name in self._items:
            raise MetricDeclarationError(f"metric {spec.name!r} is already declared")
        check_reads(spec)
        if spec.tier is MetricTier.TERTIARY and metric.evidence is None:
            raise MetricDeclarationError(
                f"metric {spec.name!r} is tertiary and must declare the evidence rows behind it"
            )
        self._items[spec.name] = metric
        return metric

    def __getitem__(self, name: str) -> Metric:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no metric named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[Metric]:
        order = {MetricTier.PRIMARY: 0, MetricTier.SECONDARY: 1, MetricTier.TERTIARY: 2}
        return iter(sorted(self._items.values(), key=lambda m: (order[m.spec.tier], m.name)))

    def __len__(self) -> int:
        return len(self._items)


METRICS = MetricRegistry()


def metric(
    *, evidence: MetricFn | None = None, registry: MetricRegistry | None = None, **spec: Any
) -> Callable[[MetricFn], MetricFn]:
    """Declare a metric: ``@metric(name=..., version=1, tier=..., ...)`` over its function.

    The keyword arguments are the fields of :class:`MetricSpec`; ``definition`` defaults to
    the function's docstring.
    """

    def deco(fn: MetricFn) -> MetricFn:
        fields = dict(spec)
        fields.setdefault("definition", " ".join((fn.__doc__ or "").split()))
        try:
            parsed = MetricSpec(**fields)
        except ValueError as exc:
            raise MetricDeclarationError(str(exc)) from exc
        (registry if registry is not None else METRICS).add(Metric(parsed, fn, evidence))
        return fn

    return deco


def load_metrics() -> list[Metric]:
    """Import every family module under ``integritas.metrics.families``; return all metrics."""
    from integritas.metrics import families as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return list(METRICS)
