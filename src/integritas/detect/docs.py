"""Render docs/rules.md from the rule and suppressor registries."""

from __future__ import annotations

from integritas.detect.anomaly import ANOMALY_RULE, ANOMALY_VERSION


def render_rules() -> str:
    from integritas.detect.catalogue import load_rules
    from integritas.detect.registry import SUPPRESSORS

    rules = load_rules()
    lines = [
        "# Rule register",
        "",
        "Generated from the rule registry by `integritas docs generate`; a test fails when this",
        "page is stale. A rule turns metric values into **indicators** for a named human to",
        "review — never findings. `shadow` rules are recorded and measured but never reach",
        "triage; secondary-tier flags go to the line manager's welfare list, never to the",
        "misconduct queue.",
        "",
        "| rule | version | tier | mode | metric | condition | suppressed by | owner |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        cond = []
        if r.threshold is not None:
            cond.append(f"value {'≥' if r.direction == 'above' else '<'} {r.threshold:g}")
        if r.min_robust_z is not None:
            cond.append(f"robust z ≥ {r.min_robust_z:g} (peers ≥ {r.min_peer_group})")
        if r.min_percentile is not None:
            cond.append(f"percentile ≥ {r.min_percentile:g} (peers ≥ {r.min_peer_group})")
        if r.persistence:
            cond.append(r.persistence.label)
        lines.append(
            f"| [`{r.name}`](#{r.name}) | {r.version} | {r.tier} | {r.mode} | `{r.metric}` | "
            f"{'; '.join(cond)} | {', '.join(r.suppressors) or '-'} | {r.owner} |"
        )
    lines += [
        f"| `{ANOMALY_RULE}` | {ANOMALY_VERSION} | secondary | shadow | all person metrics | "
        "IsolationForest over peer-relative z; at most secondary | - | Head of Professional "
        "Standards |",
    ]
    for r in rules:
        lines += [
            "",
            f"## {r.name}",
            "",
            f"**{r.title}** (v{r.version}, {r.tier}, {r.mode}, severity {r.severity}). "
            f"Indicator of: {r.scenario}.",
            "",
            f"- Explanation template: “{r.explanation}”",
            f"- Rationale: {r.rationale}",
        ]
    lines += ["", "## Context suppressors", "", "| suppressor | reads | what it explains |"]
    lines += ["|---|---|---|"]
    for s in SUPPRESSORS:
        lines.append(f"| `{s.name}` | {', '.join(s.reads)} | {s.description} |")
    return "\n".join(lines) + "\n"
