"""Render ``docs/metrics.md`` from the metric registry (generated; do not edit by hand)."""

from __future__ import annotations

from collections import Counter

from integritas.metrics.model import MetricTier
from integritas.metrics.registry import Metric, load_metrics

REQUIRED = (
    "name",
    "version",
    "tier",
    "subject",
    "period",
    "purpose",
    "reads",
    "owner",
    "family",
    "description",
    "explanation",
    "unit",
    "definition",
)


def missing_metadata(m: Metric) -> list[str]:
    """Names of metadata fields a metric leaves empty (the docs test requires none)."""
    data = m.spec.model_dump()
    return [k for k in REQUIRED if data.get(k) in (None, "", ())]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_metrics(metrics: list[Metric] | None = None) -> str:
    ms = metrics if metrics is not None else load_metrics()
    tiers = Counter(m.spec.tier.value for m in ms)
    lines = [
        "# Metric register",
        "",
        "Generated from the metric registry by `integritas docs generate`; do not edit.",
        "",
        f"{len(ms)} metrics: "
        + ", ".join(f"{tiers.get(t.value, 0)} {t.value}" for t in MetricTier)
        + ". Primary-tier values are per unit; cells over fewer than `small_cell_k` people"
        " are suppressed.",
        "",
        "| Metric | Version | Tier | Subject | Period | Purpose | Unit |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in ms:
        s = m.spec
        lines.append(
            f"| [`{s.name}`](#{s.name}) | {s.version} | {s.tier.value} | {s.subject.value} | "
            f"{s.period} | {s.purpose.value} | {_md(s.unit)} |"
        )
    for m in ms:
        s = m.spec
        lines += [
            "",
            f"## {s.name}",
            "",
            _md(s.description),
            "",
            f"- **Version**: {s.version}; **tier**: {s.tier.value}; **subject**: {s.subject.value};"
            f" **period**: {s.period}",
            f"- **Purpose**: {s.purpose.value}; **family**: {s.family}; **owner**: {_md(s.owner)}",
            f"- **Unit**: {_md(s.unit)}",
            "- **Fields read**: " + ", ".join(f"`{r}`" for r in s.reads),
            f"- **Definition**: {_md(s.definition)}",
            f"- **Explanation template**: {_md(s.explanation)}",
            "- **Evidence rows**: " + ("declared" if m.evidence is not None else "none"),
        ]
    return "\n".join(lines) + "\n"
