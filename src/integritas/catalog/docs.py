"""Render the source register (docs/sources.md) from the live catalog."""

from __future__ import annotations

from integritas.catalog.registry import Catalog, catalog


def render_sources(cat: Catalog | None = None) -> str:
    cat = cat or catalog()
    lines = [
        "# Source register",
        "",
        "Generated from `src/integritas/catalog/sources/*.yaml` by `integritas docs generate`;",
        "a test fails when this page is stale. Each source says what it holds, why, on what lawful",
        "basis, for how long, and how every field is handled at the door.",
        "",
        "| source | kind | system | purposes | retention | status |",
        "|---|---|---|---|---|---|",
    ]
    for src in cat.values():
        status = "active" if src.active else "inactive"
        lines.append(
            f"| [`{src.name}`](#{src.name}) | {src.kind} | {src.system} | "
            f"{', '.join(src.purposes)} | {src.retention_days} days | {status} |"
        )
    for src in cat.values():
        lb = src.lawful_basis
        lines += [
            "",
            f"## {src.name}",
            "",
            f"**{src.title}** — {src.description}",
            "",
            f"- Owning system: {src.system}; information asset owner: {src.owner}",
            f"- Grain: {src.grain}",
            f"- Purposes: {', '.join(src.purposes)}",
            f"- Lawful basis: {lb.article6}"
            + (f"; Art 9: {lb.article9}" if lb.article9 else "")
            + (f"; Art 10: {lb.article10}" if lb.article10 else ""),
            f"- Retention: {src.retention_days} days",
        ]
        p = src.proportionality
        lines += [
            f"- Objective: {p.objective or '**missing**'}",
            f"- Rational connection: {p.rational_connection or '**missing**'}",
            f"- Less intrusive alternative considered: {p.less_intrusive_alternative or '**missing**'}",
            f"- Fair balance: {p.fair_balance or '**missing**'}",
            "",
            "| field | type | category | handling | stored as | description |",
            "|---|---|---|---|---|---|",
        ]
        stored = src.curated_columns()
        for f in src.fields:
            col = f.curated_name if f.curated_name in stored else None
            lines.append(
                f"| `{f.name}` | {f.type} | {f.category} | {f.handling}"
                f"{' + vault' if f.vault else ''} | {f'`{col}`' if col else '(not stored)'} "
                f"| {f.description} |"
            )
    return "\n".join(lines) + "\n"
