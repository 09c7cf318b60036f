"""Who gets which injected behaviour: one scenario per person, drawn at the configured rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integritas.synth.config import SynthConfig
from integritas.synth.force import Force


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    kind: str  # misconduct | welfare | benign
    eligible: str  # officers | supervisors | policy | everyone
    variants: tuple[str, ...]
    detail: str


SCENARIOS: tuple[ScenarioSpec, ...] = (
    ScenarioSpec(
        "roster_manipulation",
        "misconduct",
        "officers",
        ("self_edit_overtime", "retrospective_edit"),
        "edits own roster to create paid overtime",
    ),
    ScenarioSpec(
        "overtime_no_presence",
        "misconduct",
        "officers",
        ("rest_day_claim", "extension_claim"),
        "overtime claimed with no badge or device presence",
    ),
    ScenarioSpec(
        "double_claim",
        "misconduct",
        "officers",
        ("exact_duplicate", "overlapping_claim"),
        "the same hours claimed twice",
    ),
    ScenarioSpec(
        "self_authorised_claim",
        "misconduct",
        "supervisors",
        ("self_authorised",),
        "overtime claims authorised by the claimant",
    ),
    ScenarioSpec(
        "undeclared_secondary_employment",
        "misconduct",
        "everyone",
        ("directorship", "directorship_while_sick"),
        "company director with no business interest declared",
    ),
    ScenarioSpec(
        "undeclared_membership",
        "misconduct",
        "everyone",
        ("hierarchical",),
        "member of a hierarchical organisation, not declared",
    ),
    ScenarioSpec(
        "hybrid_noncompliance",
        "misconduct",
        "policy",
        ("mild", "severe"),
        "office attendance well below the attendance policy",
    ),
    ScenarioSpec(
        "system_misuse",
        "misconduct",
        "officers",
        ("no_incident", "colleague", "same_surname", "same_postcode", "bulk", "out_of_duty"),
        "police systems used without a policing purpose",
    ),
    ScenarioSpec(
        "complaint_pattern",
        "misconduct",
        "officers",
        ("same_category",),
        "complaints of one kind from different complainants",
    ),
    ScenarioSpec(
        "undeclared_supplier_gifts",
        "misconduct",
        "everyone",
        ("exact_name", "name_variant"),
        "gifts from a supplier, accepted without approval or supplier link",
    ),
    ScenarioSpec(
        "vetting_lapsed",
        "misconduct",
        "everyone",
        ("status_lapsed", "review_overdue"),
        "vetting clearance lapsed",
    ),
    ScenarioSpec(
        "training_overdue",
        "misconduct",
        "everyone",
        ("mandatory_overdue",),
        "mandatory training long overdue",
    ),
    ScenarioSpec(
        "excessive_hours", "welfare", "officers", ("sustained",), "sustained excessive hours"
    ),
    ScenarioSpec(
        "no_leave",
        "welfare",
        "everyone",
        ("no_annual_leave",),
        "no annual leave taken in the period",
    ),
    ScenarioSpec(
        "rising_sickness_overtime",
        "welfare",
        "officers",
        ("rising",),
        "sickness and overtime both rising",
    ),
    ScenarioSpec(
        "major_event_heavy_overtime",
        "benign",
        "officers",
        ("authorised",),
        "heavy overtime on authorised major events",
    ),
    ScenarioSpec(
        "declared_second_job",
        "benign",
        "everyone",
        ("declared_approved",),
        "company director with an approved declaration",
    ),
    ScenarioSpec(
        "attendance_exemption",
        "benign",
        "policy",
        ("approved_exemption",),
        "low attendance under an approved exemption",
    ),
    ScenarioSpec(
        "reasonable_adjustment",
        "benign",
        "everyone",
        ("disability_absence",),
        "frequent sickness covered by reasonable adjustments",
    ),
    ScenarioSpec(
        "registry_namesake",
        "benign",
        "everyone",
        ("same_name_other_person",),
        "a non-staff namesake appears in a registry",
    ),
)
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}
# Look-alikes that follow from the force's shape rather than a drawn rate.
STRUCTURAL_BENIGN = {
    "part_time_worker": "part-time hours and attendance",
    "night_worker": "night rota: system use and hours at night",
    "rostering_supervisor": "supervisor whose job is editing other people's rosters",
}


@dataclass
class Assignment:
    """scenario[i] is the index into SCENARIOS (or -1); variant[i] is a variant name."""

    scenario: np.ndarray
    variant: np.ndarray
    intensity: np.ndarray  # 0..1, how strongly the behaviour shows

    def has(self, name: str) -> np.ndarray:
        return self.scenario == [s.name for s in SCENARIOS].index(name)


def eligible_rate_base(force: Force, cfg: SynthConfig, eligible: str) -> np.ndarray:
    """Whom a scenario may be drawn from: in post the whole period, not a team leader."""
    start = np.datetime64(cfg.start)
    end = start + np.timedelta64(cfg.days, "D")
    whole = (force.start_date < start) & ~(force.leave_date < end)
    leader = np.r_[True, force.team[1:] != force.team[:-1]]
    base = whole & ~leader
    if eligible == "officers":
        return base & force.officer & np.isin(force.rota, ["rota10", "neigh"])
    if eligible == "supervisors":
        return base & force.officer & force.supervisor
    if eligible == "policy":
        return base & ~np.isnan(force.hybrid) & (force.pattern == "full_time")
    return base


def assign(force: Force, cfg: SynthConfig, rng: np.random.Generator) -> Assignment:
    n = force.n
    scen = np.full(n, -1)
    variant = np.full(n, "", dtype=object)
    taken = np.zeros(n, dtype=bool)
    rates = cfg.rates.model_dump(exclude={"min_each_variant"})
    for i, spec in enumerate(SCENARIOS):
        base = eligible_rate_base(force, cfg, spec.eligible)
        k = int(rng.binomial(int(base.sum()), rates[spec.name]))
        pool = np.flatnonzero(base & ~taken)
        if cfg.rates.min_each_variant and rates[spec.name] > 0:
            k = max(k, len(spec.variants))
        k = min(k, len(pool))
        chosen = np.sort(rng.choice(pool, k, replace=False))
        scen[chosen] = i
        taken[chosen] = True
        variant[chosen] = np.array(spec.variants, dtype=object)[np.arange(k) % len(spec.variants)]
    force.exemption[scen == [s.name for s in SCENARIOS].index("attendance_exemption")] = True
    return Assignment(scen, variant, rng.uniform(0.3, 1.0, n))
