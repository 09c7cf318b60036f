"""Organisation health read models: primary-tier unit metrics over the unit tree.

Reads only ``tier = 'primary' AND subject_type = 'unit'`` rows of
``derived/metric_values.parquet``: no individual ever reaches these pages. A value is shown
only when it is not suppressed and covers at least ``k`` people (checked again here, whatever
the file says). Files are read with an in-memory DuckDB (never the warehouse file, which a
running job may hold) and cached until they change.
"""

from __future__ import annotations

import logging
import statistics
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from integritas.engine import duck
from integritas.ingest.layout import curated_files
from integritas.ingest.readers import sql_literal
from integritas.settings import Workspace

log = logging.getLogger(__name__)


class UnitView(BaseModel):
    unit_id: str
    name: str
    parent_id: str | None
    level: str
    children: list[str] = []


class CellView(BaseModel):
    metric: str
    value: float | None  # None when suppressed or absent
    suppressed: bool
    n_people: int | None
    period_end: date | None
    # Set when the unit has no value of its own: the value is the median of this many
    # units below it (each already over k people), never a recomputation from people.
    units_summarised: int | None = None


class HeatRowView(BaseModel):
    unit: UnitView
    cells: list[CellView]


class MetricInfo(BaseModel):
    name: str
    description: str = ""
    unit: str = ""


class HeatmapView(BaseModel):
    unit: UnitView | None  # the unit drilled into; None at the top
    breadcrumb: list[UnitView]
    metrics: list[MetricInfo]
    rows: list[HeatRowView]
    small_cell_k: int
    has_data: bool


class PointView(BaseModel):
    period_end: date
    value: float | None
    suppressed: bool


class SeriesView(BaseModel):
    metric: MetricInfo
    points: list[PointView]
    summarised: bool = False  # medians over the units below (the unit has no own values)


class UnitHealthView(BaseModel):
    unit: UnitView
    breadcrumb: list[UnitView]
    children: list[UnitView]
    series: list[SeriesView]
    small_cell_k: int


class UnknownUnit(KeyError):
    pass


@dataclass(frozen=True)
class _Row:
    unit_id: str
    metric: str
    period_end: date
    value: float | None
    suppressed: bool
    n_people: int | None


_cache: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def metric_values_path(ws: Workspace) -> Path:
    return ws.home / "derived" / "metric_values.parquet"


def _stamp(paths: list[Path]) -> tuple[str, ...]:
    out = []
    for p in paths:
        st = p.stat()
        out.append(f"{p}:{st.st_mtime_ns}:{st.st_size}")
    return tuple(out)


def _cached(kind: str, paths: list[Path], load: Any) -> Any:
    key = (kind, *_stamp(paths))
    with _lock:
        if key in _cache:
            return _cache[key]
    value = load()
    with _lock:
        for old in [k for k in _cache if k[0] == kind]:
            del _cache[old]
        _cache[key] = value
    return value


def unit_tree(ws: Workspace) -> dict[str, UnitView]:
    files = curated_files(ws, "unit_tree")
    if not files:
        return {}

    def load() -> dict[str, UnitView]:
        lst = "[" + ", ".join(sql_literal(str(f)) for f in files) + "]"
        con = duck.connect(ws)
        try:
            rows = con.execute(
                "SELECT unit_id, arg_max(unit_name, _batch_id), arg_max(parent_unit_id, _batch_id),"
                f" arg_max(level, _batch_id) FROM read_parquet({lst}, union_by_name=true)"
                " GROUP BY unit_id ORDER BY unit_id"
            ).fetchall()
        finally:
            con.close()
        units = {
            r[0]: UnitView(unit_id=r[0], name=r[1] or r[0], parent_id=r[2], level=r[3] or "")
            for r in rows
        }
        for u in units.values():
            if u.parent_id in units:
                units[u.parent_id].children.append(u.unit_id)
        return units

    result: dict[str, UnitView] = _cached("unit_tree", files, load)
    return result


def _unit_rows(ws: Workspace) -> list[_Row]:
    path = metric_values_path(ws)
    if not path.exists():
        return []

    def load() -> list[_Row]:
        con = duck.connect(ws)
        try:
            rows = con.execute(
                "SELECT subject_id, metric, period_end, value, suppressed, n_people "
                f"FROM read_parquet({sql_literal(str(path))}) "
                "WHERE tier = 'primary' AND subject_type = 'unit' "
                "ORDER BY subject_id, metric, period_end"
            ).fetchall()
        finally:
            con.close()
        return [
            _Row(
                unit_id=r[0],
                metric=r[1],
                period_end=r[2],
                value=r[3],
                suppressed=bool(r[4]),
                n_people=None if r[5] is None else int(r[5]),
            )
            for r in rows
        ]

    result: list[_Row] = _cached("metric_values", [path], load)
    return result


def _metric_info(names: list[str]) -> list[MetricInfo]:
    specs: dict[str, MetricInfo] = {}
    try:
        from integritas.metrics.registry import load_metrics

        for m in load_metrics():
            specs[m.name] = MetricInfo(
                name=m.name, description=m.spec.description, unit=m.spec.unit
            )
    except Exception as exc:  # a broken metric family must not take the dashboard down
        log.warning("metric register unavailable: %s", exc)
    return [specs.get(n, MetricInfo(name=n)) for n in names]


def _visible(row: _Row, k: int) -> tuple[float | None, bool]:
    """(value to show, suppressed?) — small or flagged cells never show a value."""
    small = row.n_people is not None and row.n_people < k
    if row.suppressed or small:
        return None, True
    return row.value, False


def _breadcrumb(units: dict[str, UnitView], unit_id: str | None) -> list[UnitView]:
    chain: list[UnitView] = []
    seen: set[str] = set()
    while unit_id and unit_id in units and unit_id not in seen:
        seen.add(unit_id)
        chain.append(units[unit_id])
        unit_id = units[unit_id].parent_id
    return list(reversed(chain))


def _descendants(units: dict[str, UnitView], unit_id: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    stack = list(units[unit_id].children)
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        out.append(u)
        stack.extend(units[u].children)
    return out


def _latest(ws: Workspace) -> dict[tuple[str, str], _Row]:
    """The latest row per (unit, metric); cached with the file it comes from."""
    path = metric_values_path(ws)
    if not path.exists():
        return {}

    def load() -> dict[tuple[str, str], _Row]:
        latest: dict[tuple[str, str], _Row] = {}
        for r in _unit_rows(ws):
            key = (r.unit_id, r.metric)
            if key not in latest or r.period_end >= latest[key].period_end:
                latest[key] = r
        return latest

    result: dict[tuple[str, str], _Row] = _cached("latest", [path], load)
    return result


def _rollup(rows: list[_Row], k: int, metric: str) -> CellView | None:
    """Median of the visible values of the units below (one latest row each)."""
    if not rows:
        return None
    seen = [_visible(r, k) for r in rows]
    shown = [v for v, sup in seen if not sup and v is not None]
    if not shown:
        # Nothing to show: because cells were small (suppressed), or no unit had a value.
        return CellView(
            metric=metric,
            value=None,
            suppressed=any(sup for _, sup in seen),
            n_people=None,
            period_end=max(r.period_end for r in rows),
        )
    return CellView(
        metric=metric,
        value=statistics.median(shown),
        suppressed=False,
        n_people=None,
        period_end=max(r.period_end for r in rows),
        units_summarised=len(shown),
    )


def heatmap_view(ws: Workspace, *, parent: str | None, k: int) -> HeatmapView:
    """The latest value of each primary unit metric for a unit and its direct children."""
    units = unit_tree(ws)
    rows = _unit_rows(ws)
    if parent is not None and parent not in units:
        raise UnknownUnit(parent)
    if parent is None:
        roots = [u for u in units.values() if u.parent_id not in units]
        shown = roots + [units[c] for r in roots for c in r.children]
    else:
        shown = [units[parent]] + [units[c] for c in units[parent].children]
    latest = _latest(ws)
    metric_names = sorted({m for _, m in latest})
    heat_rows = []
    for u in shown:
        cells = []
        below_units = _descendants(units, u.unit_id)
        for m in metric_names:
            hit = latest.get((u.unit_id, m))
            if hit is None:
                below = [latest[(d, m)] for d in below_units if (d, m) in latest]
                cells.append(
                    _rollup(below, k, m)
                    or CellView(
                        metric=m, value=None, suppressed=False, n_people=None, period_end=None
                    )
                )
                continue
            value, suppressed = _visible(hit, k)
            cells.append(
                CellView(
                    metric=m,
                    value=value,
                    suppressed=suppressed,
                    n_people=hit.n_people,
                    period_end=hit.period_end,
                )
            )
        heat_rows.append(HeatRowView(unit=u, cells=cells))
    return HeatmapView(
        unit=units[parent] if parent else None,
        breadcrumb=_breadcrumb(units, parent),
        metrics=_metric_info(metric_names),
        rows=heat_rows,
        small_cell_k=k,
        has_data=bool(rows),
    )


def unit_health(ws: Workspace, unit_id: str, *, k: int) -> UnitHealthView:
    """Every primary metric of one unit over time (suppressed periods are gaps)."""
    units = unit_tree(ws)
    if unit_id not in units:
        raise UnknownUnit(unit_id)
    by_metric: dict[str, list[PointView]] = {}
    below: dict[str, dict[date, list[_Row]]] = {}
    descendants = set(_descendants(units, unit_id))
    for r in _unit_rows(ws):
        if r.unit_id == unit_id:
            value, suppressed = _visible(r, k)
            by_metric.setdefault(r.metric, []).append(
                PointView(period_end=r.period_end, value=value, suppressed=suppressed)
            )
        elif r.unit_id in descendants:
            below.setdefault(r.metric, {}).setdefault(r.period_end, []).append(r)
    summarised = set()
    for metric, periods in below.items():
        if metric in by_metric:
            continue
        summarised.add(metric)
        for period_end in sorted(periods):
            cell = _rollup(periods[period_end], k, metric)
            assert cell is not None
            by_metric.setdefault(metric, []).append(
                PointView(period_end=period_end, value=cell.value, suppressed=cell.suppressed)
            )
    infos = _metric_info(sorted(by_metric))
    unit = units[unit_id]
    return UnitHealthView(
        unit=unit,
        breadcrumb=_breadcrumb(units, unit_id),
        children=[units[c] for c in unit.children],
        series=[
            SeriesView(metric=i, points=by_metric[i.name], summarised=i.name in summarised)
            for i in infos
        ],
        small_cell_k=k,
    )
