"""Retention policies: one per declared source (from the catalog) plus flags, cases and audit.

A source's rows expire ``retention_days`` after the moment its *clock* column names. The clock
is the source's ``event_time_field``, with two declared exceptions: the HR master record runs
from the day a person left (``leave_date``; people still employed never expire), and sources
with no event time, and external registries (snapshots of someone else's list), run from the day
the batch was committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from integritas.catalog.models import Source, SourceKind
from integritas.catalog.registry import catalog

BATCH_CLOCK = "_committed_at"  # pseudo-column: the batch's commit date

# Declared exceptions to "by event_time_field" (source -> clock column, why).
CLOCK_OVERRIDES: dict[str, tuple[str, str]] = {
    "hr_master": ("leave_date", "from the day the person left; current staff are kept"),
}

# Dismissed flags carry no finding: kept only long enough to show a dismissal was reviewed.
DISMISSED_FLAG_DAYS = 90
# Closed cases, by outcome: no case to answer goes soonest; adverse outcomes follow the
# conduct records they are part of.
CLOSED_CASE_DAYS: dict[str, int] = {
    "no_further_action": 365,
    "legitimate_explanation": 365,
    "organisational_fix": 730,
    "declaration_invited": 730,
    "welfare_support": 730,
    "management_conversation": 1095,
    "early_intervention_letter": 1095,
    "practice_requiring_improvement": 1825,
    "business_interest_incompatible": 2190,
    "vetting_review": 2555,
    "misconduct_meeting": 2555,
    "gross_misconduct_hearing": 2555,
    "iopc_referral": 2555,
}
CLOSED_CASE_DEFAULT_DAYS = 2190
# Audit events outlive everything they describe (they prove the disposal happened).
AUDIT_DAYS = 2555 + 365


@dataclass(frozen=True)
class SourcePolicy:
    source: str
    retention_days: int
    clock: str  # a curated column, or BATCH_CLOCK
    why: str

    def cutoff(self, today: date) -> date:
        """Rows whose clock is before this date have expired."""
        return today - timedelta(days=self.retention_days)

    def reason(self, today: date) -> str:
        clock = "batch commit date" if self.clock == BATCH_CLOCK else self.clock
        return (
            f"older than the {self.retention_days}-day retention period of {self.source} "
            f"by {clock} (before {self.cutoff(today).isoformat()}); {self.why}"
        )


def source_policy(src: Source) -> SourcePolicy:
    if src.name in CLOCK_OVERRIDES:
        col, why = CLOCK_OVERRIDES[src.name]
        return SourcePolicy(src.name, src.retention_days, col, why)
    if src.kind is SourceKind.REGISTRY:
        return SourcePolicy(
            src.name, src.retention_days, BATCH_CLOCK, "an external list is kept as a snapshot"
        )
    if src.event_time_field is None:
        return SourcePolicy(src.name, src.retention_days, BATCH_CLOCK, "no event time declared")
    col = src.field(src.event_time_field).curated_name or src.event_time_field
    return SourcePolicy(src.name, src.retention_days, col, "catalog event time")


def source_policies() -> list[SourcePolicy]:
    return [source_policy(src) for src in catalog().values()]


@dataclass(frozen=True)
class OtherPolicy:
    name: str
    what: str
    days: str
    disposal: str


def other_policies() -> list[OtherPolicy]:
    """The non-source policies, for the plan, the DPIA and docs/governance.md."""
    cases = ", ".join(f"{k} {v} days" for k, v in CLOSED_CASE_DAYS.items())
    return [
        OtherPolicy(
            "derived",
            "metric values, metric evidence, flags and linkage candidates",
            "as long as the rows they were derived from",
            "deleted with their source rows, following lineage",
        ),
        OtherPolicy(
            "dismissed_flags",
            "flags dismissed at triage",
            f"{DISMISSED_FLAG_DAYS} days after dismissal",
            "deleted from the review queue and the warehouse flag set",
        ),
        OtherPolicy(
            "closed_cases",
            "closed cases, their timeline, notes, outcomes and flags",
            f"by outcome: {cases}; otherwise {CLOSED_CASE_DEFAULT_DAYS} days after closing",
            "deleted after a disposal record (outcome, rules, dates; never the person) is "
            "written; an appeal pending holds the case",
        ),
        OtherPolicy(
            "audit",
            "audit events",
            f"{AUDIT_DAYS} days",
            "held: the chain is append-only; due events are counted for archival export",
        ),
        OtherPolicy(
            "quarantine",
            "rejected-row reports of ingest",
            "the retention period of their source, from the batch date",
            "deleted",
        ),
    ]
