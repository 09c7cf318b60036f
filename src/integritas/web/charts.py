"""Charts drawn as inline SVG by our own code: no chart library, no script, nothing fetched.

Colours are SVG presentation attributes (allowed by a CSP that forbids inline styles). Every
chart carries a <title> and an aria-label so it reads without sight; pages also show the data
as a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

# Sequential, colour-blind-safe ramp (light to dark) for heat-map buckets.
RAMP = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
SUPPRESSED_FILL = "#e0e0e0"
EMPTY_FILL = "#ffffff"


@dataclass(frozen=True)
class HeatCell:
    value: float | None
    suppressed: bool = False
    label: str = ""  # text shown in the cell
    bucket: int | None = None  # 0..len(RAMP)-1, None when no value


@dataclass(frozen=True)
class HeatRow:
    label: str
    href: str | None
    cells: Sequence[HeatCell]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def buckets(values: Sequence[float | None], n: int = len(RAMP)) -> list[int | None]:
    """Equal-width buckets over the finite values shown (one column of a heat map)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return [None] * len(values)
    lo, hi = min(finite), max(finite)
    spread = hi / 2 - lo / 2  # halves keep the arithmetic finite for any finite inputs
    out: list[int | None] = []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(None)
        elif spread == 0:
            out.append(0)  # no (representable) spread: nothing stands out
        else:
            out.append(min(n - 1, int((v / 2 - lo / 2) / spread * n)))
    return out


def heatmap(columns: Sequence[str], rows: Sequence[HeatRow], *, title: str) -> Markup:
    cell_w, cell_h, label_w, head_h = 118, 30, 230, 110
    width = label_w + cell_w * max(1, len(columns)) + 90  # room for the slanted headers
    height = head_h + cell_h * max(1, len(rows))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for j, col in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x:.0f}" y="{head_h - 8}" font-size="11" '
            f'transform="rotate(-35 {x:.0f} {head_h - 8})">{_e(col)}</text>'
        )
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        label = f'<text x="4" y="{y + 20}" font-size="12">{_e(row.label)}</text>'
        if row.href:
            label = f'<a href="{_e(row.href)}">{label}</a>'
        parts.append(label)
        for j, cell in enumerate(row.cells):
            x = label_w + j * cell_w
            if cell.suppressed:
                fill, ink = SUPPRESSED_FILL, "#333333"
            elif cell.bucket is None:
                fill, ink = EMPTY_FILL, "#666666"
            else:
                fill = RAMP[cell.bucket]
                ink = "#ffffff" if cell.bucket >= 3 else "#111111"
            parts.append(
                f"<g><title>{_e(row.label)} / {_e(columns[j])}: {_e(cell.label)}</title>"
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" stroke="#999999" stroke-width="0.5"/>'
                f'<text x="{x + 6}" y="{y + 19}" font-size="11" fill="{ink}">'
                f"{_e(cell.label)}</text></g>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    step = (hi - lo) / n
    return [lo + step * i for i in range(n + 1)]


def line_chart(
    points: Sequence[tuple[date, float | None]],
    *,
    title: str,
    unit: str = "",
    width: int = 520,
    height: int = 180,
) -> Markup:
    """One series over time; gaps (suppressed or missing periods) break the line."""
    pad_l, pad_r, pad_t, pad_b = 56, 12, 24, 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
        f'<text x="{pad_l}" y="14" font-size="12">{_e(title)}</text>'
    ]
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    if not points or not values:
        parts.append(f'<text x="{pad_l}" y="{height // 2}" font-size="12">no values</text></svg>')
        return Markup("".join(parts))
    lo, hi = min(0.0, min(values)), max(values)
    hi = hi if hi > lo else lo + 1
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(points)

    def sx(i: int) -> float:
        return pad_l + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def sy(v: float) -> float:
        return pad_t + plot_h - (v - lo) / (hi - lo) * plot_h

    for t in _ticks(lo, hi):
        y = sy(t)
        parts.append(
            f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#dddddd"/><text x="{pad_l - 4}" y="{y + 4:.1f}" font-size="10" '
            f'text-anchor="end">{t:.3g}</text>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, v) in enumerate(points):
        if v is None or not math.isfinite(v):
            if segment:
                segments.append(segment)
            segment = []
            parts.append(
                f'<text x="{sx(i):.1f}" y="{pad_t + plot_h - 2}" font-size="10" '
                f'text-anchor="middle" fill="#888888">s</text>'
            )
            continue
        segment.append(f"{sx(i):.1f},{sy(v):.1f}")
        parts.append(
            f'<circle cx="{sx(i):.1f}" cy="{sy(v):.1f}" r="3" fill="#2171b5">'
            f"<title>{_e(points[i][0])}: {v:.3g} {_e(unit)}</title></circle>"
        )
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="#2171b5" '
                f'stroke-width="2"/>'
            )
    first, last = points[0][0], points[-1][0]
    parts.append(
        f'<text x="{pad_l}" y="{height - 8}" font-size="10">{_e(first)}</text>'
        f'<text x="{width - pad_r}" y="{height - 8}" font-size="10" text-anchor="end">'
        f"{_e(last)}</text></svg>"
    )
    return Markup("".join(parts))


def bar_vs_peers(
    value: float,
    *,
    peer_median: float | None,
    peer_low: float | None = None,
    peer_high: float | None = None,
    title: str,
    width: int = 520,
    height: int = 90,
) -> Markup:
    """A value against its peer group: the peer range as a band, the median as a tick."""
    pad_l, pad_r = 90, 20
    known = [v for v in (value, peer_median, peer_low, peer_high) if v is not None]
    hi = max(known) * 1.1 if max(known) > 0 else 1.0
    lo = min(0.0, min(known))

    def sx(v: float) -> float:
        return pad_l + (v - lo) / (hi - lo) * (width - pad_l - pad_r)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart peers" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
        f'<text x="4" y="32" font-size="12">this person</text>'
        f'<rect x="{pad_l}" y="20" width="{sx(value) - pad_l:.1f}" height="18" fill="#2171b5"/>'
        f'<text x="{sx(value) + 4:.1f}" y="33" font-size="11">{value:.3g}</text>'
        f'<text x="4" y="68" font-size="12">peers</text>'
    ]
    if peer_low is not None and peer_high is not None:
        parts.append(
            f'<rect x="{sx(peer_low):.1f}" y="56" width="{sx(peer_high) - sx(peer_low):.1f}" '
            f'height="18" fill="#c6dbef"><title>usual range {peer_low:.3g} to '
            f"{peer_high:.3g}</title></rect>"
        )
    if peer_median is not None:
        parts.append(
            f'<line x1="{sx(peer_median):.1f}" x2="{sx(peer_median):.1f}" y1="52" y2="78" '
            f'stroke="#08306b" stroke-width="2"><title>peer median {peer_median:.3g}</title>'
            f"</line>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
