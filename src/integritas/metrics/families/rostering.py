"""Rostering: edits to rosters that benefit the editor (example family; more to come)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.registry import metric
from integritas.metrics.shapes import month_of, per_person_month


def _self_edits(ctx: MetricContext) -> ir.Table:
    t = ctx.table("roster_audit")
    return t.filter((t.person_id == t.subject_person_id) & ctx.between(t.edited_at))


def _self_edit_evidence(ctx: MetricContext) -> ir.Table:
    t = _self_edits(ctx)
    return t.select(
        subject_id=t.person_id,
        period_start=month_of(t.edited_at),
        source=ibis.literal("roster_audit"),
        batch_id=t._batch_id,
        row_number=t._row_number,
    )


@metric(
    name="roster_self_edits",
    version=1,
    tier="tertiary",
    subject="person",
    period="month",
    purpose="conduct",
    reads=("roster_audit.person_id", "roster_audit.subject_person_id", "roster_audit.edited_at"),
    owner="Head of Professional Standards",
    family="rostering",
    description="Edits a person made to their own roster entries in the month.",
    explanation="{value:.0f} edits to own roster in the month; peers in the same group: "
    "{peer_low:.0f}-{peer_high:.0f}",
    unit="edits",
    evidence=_self_edit_evidence,
)
def roster_self_edits(ctx: MetricContext) -> ir.Table:
    """Count of roster-system edits where the editor is the person whose shift was edited."""
    return per_person_month(_self_edits(ctx), "person_id", "edited_at")
