from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from integritas.web import charts


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or it raises


@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=30)
)
@example([-1.7e308, 1.7e308, 0.0])
def test_buckets_are_in_range_and_keep_order(values: list[float | None]) -> None:
    out = charts.buckets(values)
    assert len(out) == len(values)
    pairs = [(v, b) for v, b in zip(values, out, strict=True) if v is not None]
    assert all(b is not None and 0 <= b < len(charts.RAMP) for _, b in pairs)
    for v1, b1 in pairs:
        for v2, b2 in pairs:
            if v1 < v2:
                assert b1 is not None and b2 is not None and b1 <= b2


def test_heatmap_escapes_labels_and_marks_suppressed_cells() -> None:
    rows = [
        charts.HeatRow(
            label="<script>alert(1)</script>",
            href="/health?unit=A&B",
            cells=[
                charts.HeatCell(value=None, suppressed=True, label="suppressed (<10)"),
                charts.HeatCell(value=3.0, label="3", bucket=4),
            ],
        )
    ]
    svg = str(charts.heatmap(["m1", "m&2"], rows, title="t"))
    root = _parse(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    fills = [r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert fills == [charts.SUPPRESSED_FILL, charts.RAMP[4]]
    assert "style=" not in svg


def test_line_chart_breaks_at_gaps() -> None:
    pts = [
        (date(2025, 1, 31), 1.0),
        (date(2025, 2, 28), 2.0),
        (date(2025, 3, 31), None),
        (date(2025, 4, 30), 3.0),
        (date(2025, 5, 31), 4.0),
    ]
    root = _parse(str(charts.line_chart(pts, title="x")))
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(lines) == 2  # one segment each side of the suppressed period
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 4
    empty = str(charts.line_chart([(date(2025, 1, 31), None)], title="x"))
    assert "no values" in empty


def test_bar_vs_peers_places_value_beyond_the_peer_band() -> None:
    root = _parse(
        str(charts.bar_vs_peers(40.0, peer_median=10.0, peer_low=6.0, peer_high=14.0, title="t"))
    )
    rects = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    value_bar, band = rects[0], rects[1]
    band_end = float(band.get("x", "0")) + float(band.get("width", "0"))
    value_end = float(value_bar.get("x", "0")) + float(value_bar.get("width", "0"))
    assert value_end > band_end
