"""Organisation health (primary tier): unit x metric heat map, trends, unit-tree drill-down.

Only unit-level primary metrics appear; cells over fewer than k people read "suppressed (<k)".
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from integritas.access.actions import METRICS_READ_ORG
from integritas.access.authz import Decision
from integritas.web import charts
from integritas.web.deps import NavItem, app_state, guard, render
from integritas.web.orghealth import (
    CellView,
    HeatmapView,
    UnitHealthView,
    UnknownUnit,
    heatmap_view,
    unit_health,
)

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["organisation health"])
NAV = [NavItem("Organisation health", "/health", (METRICS_READ_ORG.name,), order=10)]


def cell_label(cell: CellView, k: int) -> str:
    if cell.suppressed:
        return f"suppressed (<{k})"
    if cell.value is None:
        return "no data"
    if cell.units_summarised:
        return f"{cell.value:.3g} (med. {cell.units_summarised})"
    return f"{cell.value:.3g}"


def _heatmap_svg(view: HeatmapView) -> charts.Markup:
    k = view.small_cell_k
    columns = [m.name for m in view.metrics]
    per_col = [
        charts.buckets([row.cells[j].value for row in view.rows]) for j in range(len(columns))
    ]
    rows = []
    for i, row in enumerate(view.rows):
        cells = [
            charts.HeatCell(
                value=c.value, suppressed=c.suppressed, label=cell_label(c, k), bucket=per_col[j][i]
            )
            for j, c in enumerate(row.cells)
        ]
        href = f"/health?unit={quote(row.unit.unit_id)}" if row.unit.children else None
        rows.append(charts.HeatRow(label=row.unit.name, href=href, cells=cells))
    title = "Latest value of each organisation-health metric by unit"
    return charts.heatmap(columns, rows, title=title)


def _heatmap(request: Request, unit: str | None) -> HeatmapView:
    state = app_state(request)
    try:
        return heatmap_view(state.ws, parent=unit, k=state.small_cell_k)
    except UnknownUnit:
        raise HTTPException(404, f"no unit {unit!r}") from None


def _unit(request: Request, unit_id: str) -> UnitHealthView:
    state = app_state(request)
    try:
        return unit_health(state.ws, unit_id, k=state.small_cell_k)
    except UnknownUnit:
        raise HTTPException(404, f"no unit {unit_id!r}") from None


@router.get("/health", response_class=HTMLResponse)
def health_page(
    request: Request, unit: str | None = None, _: Decision = guard(METRICS_READ_ORG.name)
) -> Response:
    view = _heatmap(request, unit)
    return render(
        request,
        "health.html",
        {"view": view, "svg": _heatmap_svg(view), "label": cell_label},
    )


@router.get("/health/units/{unit_id}", response_class=HTMLResponse)
def unit_page(
    request: Request, unit_id: str, _: Decision = guard(METRICS_READ_ORG.name)
) -> Response:
    view = _unit(request, unit_id)
    svgs = [
        charts.line_chart(
            [(p.period_end, p.value) for p in s.points],
            title=(f"{s.metric.name} ({s.metric.unit})" if s.metric.unit else s.metric.name)
            + (": median of the units below" if s.summarised else ""),
            unit=s.metric.unit,
        )
        for s in view.series
    ]
    return render(
        request, "unit.html", {"view": view, "charts": list(zip(view.series, svgs, strict=True))}
    )


@api.get("/health/heatmap")
def heatmap_json(
    request: Request, unit: str | None = None, _: Decision = guard(METRICS_READ_ORG.name)
) -> HeatmapView:
    """Latest primary-tier value per unit and metric for a unit and its children."""
    return _heatmap(request, unit)


@api.get("/health/units/{unit_id}")
def unit_json(
    request: Request, unit_id: str, _: Decision = guard(METRICS_READ_ORG.name)
) -> UnitHealthView:
    """Every primary metric of one unit over time; suppressed periods carry no value."""
    return _unit(request, unit_id)
