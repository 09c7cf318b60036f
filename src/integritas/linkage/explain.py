"""Per-field contributions of a scored pair, in words and as a self-contained SVG waterfall.

A Splink match weight is log2(prior odds) + the sum over comparisons of log2(bayes factor)
(times the term-frequency adjustment where one applies), so the contributions listed here
add up to the match weight exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

PRIOR_LEVEL = "how often a staff member and a registry entry are the same person"


@dataclass(frozen=True)
class Contribution:
    """How one field (or the prior) moved the match weight."""

    field: str
    level: str
    bayes_factor: float
    weight: float


@dataclass(frozen=True)
class LevelLabels:
    """Comparison name -> gamma value -> plain-English label, read from the trained model."""

    labels: dict[str, dict[int, str]]
    prior_weight: float

    @classmethod
    def from_model(cls, model: dict[str, Any]) -> LevelLabels:
        labels: dict[str, dict[int, str]] = {}
        for comp in model["comparisons"]:
            levels = comp["comparison_levels"]
            non_null = [lv for lv in levels if not lv.get("is_null_level")]
            by_gamma: dict[int, str] = {-1: "missing"}
            for i, lv in enumerate(non_null):
                by_gamma[len(non_null) - 1 - i] = str(lv.get("label_for_charts", ""))
            for lv in levels:
                if lv.get("is_null_level"):
                    by_gamma[-1] = str(lv.get("label_for_charts", "missing"))
            labels[comp["output_column_name"]] = by_gamma
        p = float(model["probability_two_random_records_match"])
        return cls(labels=labels, prior_weight=math.log2(p / (1 - p)))


def contributions(row: dict[str, Any], labels: LevelLabels) -> list[Contribution]:
    """Contributions of one predicted row (Splink's intermediate columns retained)."""
    out = [
        Contribution(
            field="prior",
            level=PRIOR_LEVEL,
            bayes_factor=2**labels.prior_weight,
            weight=labels.prior_weight,
        )
    ]
    for field, by_gamma in labels.labels.items():
        gamma = int(row[f"gamma_{field}"])
        # Splink 5 returns each comparison's log2 bayes factor as mw_<name>, and the
        # term-frequency adjustment (surname) as mw_tf_adj_<name>.
        weight = float(row[f"mw_{field}"])
        tf = row.get(f"mw_tf_adj_{field}")
        if tf is not None and not (isinstance(tf, float) and math.isnan(tf)):
            weight += float(tf)
        out.append(
            Contribution(
                field=field,
                level=by_gamma.get(gamma, f"level {gamma}"),
                bayes_factor=2**weight,
                weight=weight,
            )
        )
    return out


def explanation(contribs: list[Contribution], detail: dict[str, str] | None = None) -> str:
    """``"surname agrees exactly (+8.1); forename is a known short form: bob/robert (+4.2)…"``."""
    detail = detail or {}
    parts = []
    for c in contribs:
        if c.field == "prior":
            continue
        text = c.level
        if detail.get(c.field):
            text += f": {detail[c.field]}"
        parts.append(f"{text} ({c.weight:+.1f})")
    total = sum(c.weight for c in contribs)
    prior = contribs[0].weight if contribs and contribs[0].field == "prior" else 0.0
    return f"{'; '.join(parts)}; starting from a prior of {prior:+.1f}, total {total:+.1f}"


class Explained(Protocol):
    """What a chart needs from a candidate (``linkage.candidates.Candidate`` has it)."""

    @property
    def candidate_id(self) -> str: ...
    @property
    def match_weight(self) -> float: ...
    @property
    def match_probability(self) -> float: ...
    @property
    def contributions(self) -> Sequence[Contribution]: ...


def waterfall_svg(candidate: Explained | Sequence[Contribution], title: str | None = None) -> str:
    """A standalone SVG waterfall (no script, no external reference): one bar per
    contribution, green up, red down, then the total match weight.

    Give it a candidate (the web package does) or a list of contributions and a title.
    """
    if isinstance(candidate, Sequence):
        contribs = list(candidate)
        title = title or "match weight"
    else:
        contribs = list(candidate.contributions)
        title = title or (
            f"{candidate.candidate_id}: match weight {candidate.match_weight:+.2f}, "
            f"probability {candidate.match_probability:.3f}"
        )
    width, row_h, left, right = 760, 28, 300, 40
    total = sum(c.weight for c in contribs)
    running, lo, hi = 0.0, 0.0, 0.0
    steps: list[tuple[str, float, float]] = []
    for c in contribs:
        start = running
        running += c.weight
        steps.append((f"{c.field}: {c.level}", start, running))
        lo, hi = min(lo, start, running), max(hi, start, running)
    steps.append(("match weight", 0.0, total))
    lo, hi = min(lo, total) - 1, max(hi, total) + 1
    span = (width - left - right) / (hi - lo)

    def x(v: float) -> float:
        return left + (v - lo) * span

    height = 50 + row_h * len(steps)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" y1="30" x2="{x(0):.1f}" y2="{height - 10}" stroke="#444"/>',
    ]
    for i, (label, start, end) in enumerate(steps):
        y = 35 + i * row_h
        is_total = i == len(steps) - 1
        colour = "#1f4e79" if is_total else ("#2e7d32" if end >= start else "#c62828")
        x0, x1 = sorted((x(start), x(end)))
        out.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>'
        )
        out.append(f'<text x="10" y="{y + 14}">{escape(label[:48])}</text>')
        out.append(f'<text x="{x1 + 4:.1f}" y="{y + 14}">{end - start:+.2f}</text>')
    out.append("</svg>")
    return "\n".join(out)
