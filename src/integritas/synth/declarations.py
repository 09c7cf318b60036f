"""Declarations (business interests, associations), gifts and hospitality, expenses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from integritas.synth.arrow import days_to_date, ids, reorder, strs, take
from integritas.synth.config import SynthConfig
from integritas.synth.force import Force
from integritas.synth.records import Suppliers
from integritas.synth.scenarios import Assignment

COMMUNITY = np.array(
    [
        "Rotary Club of Northgate",
        "Eastmarsh Rugby Club",
        "St Mary's Parish Council",
        "Riverside Food Bank Trust",
        "Chartered Management Institute",
        "Police Sport UK",
    ],
    dtype=object,
)


@dataclass(frozen=True)
class Interests:
    """Registry appointments that belong to staff (declared or not)."""

    person: np.ndarray
    org_name: np.ndarray
    org_id: np.ndarray
    start_day: np.ndarray  # relative to cfg.start (negative: before the period)
    declared: np.ndarray


def draw_interests(
    force: Force,
    asg: Assignment,
    cfg: SynthConfig,
    rng: np.random.Generator,
    scenario: str,
    declared_scenario: str,
    prefix: str,
    words: tuple[str, ...],
) -> Interests:
    und = np.flatnonzero(asg.has(scenario))
    dec = (
        np.flatnonzero(asg.has(declared_scenario)) if declared_scenario else np.array([], dtype=int)
    )
    person = np.concatenate([und, dec])
    declared = np.r_[np.zeros(len(und), bool), np.ones(len(dec), bool)]
    order = np.argsort(person, kind="stable")
    person, declared = person[order], declared[order]
    org = (
        force.surname[person] + " " + rng.choice(np.array(words, dtype=object), len(person))
    ).astype(object)
    org_id = np.array(
        [f"{prefix}{x:07d}" for x in rng.integers(10**5, 10**7, len(person))], dtype=object
    )
    start = -rng.integers(30, 2000, len(person))
    return Interests(person, org, org_id, start, declared)


def business_table(
    force: Force, asg: Assignment, cfg: SynthConfig, interests: Interests, rng: np.random.Generator
) -> pa.Table:
    dec = interests.declared
    p1 = interests.person[dec]
    d1 = np.maximum(interests.start_day[dec] + rng.integers(5, 60, dec.sum()), -700)
    # other declared interests (tutoring, shares) that no registry shows
    eligible = np.flatnonzero((asg.scenario < 0) & (rng.random(force.n) < 0.03))
    m = len(eligible)
    types = np.array(
        ["secondary_employment", "directorship", "shareholding", "other"], dtype=object
    )
    t2 = rng.choice(np.array([0, 2, 3]), m, p=[0.6, 0.3, 0.1])
    org2 = rng.choice(
        np.array(
            [
                "Private tutoring",
                "Bar work",
                "Driving instructor",
                "Shares in family firm",
                "Personal trainer",
                "Photography",
            ],
            dtype=object,
        ),
        m,
    )
    person = np.concatenate([p1, eligible])
    day = np.concatenate([d1, rng.integers(-700, cfg.days, m)])
    itype = np.concatenate([np.ones(len(p1), int), t2])
    org = np.concatenate([interests.org_name[dec], org2])
    cno = np.concatenate([interests.org_id[dec], np.full(m, None, dtype=object)])
    status = np.concatenate(
        [
            np.full(len(p1), "approved", dtype=object),
            rng.choice(
                np.array(["approved", "pending", "rejected", "withdrawn"], dtype=object),
                m,
                p=[0.75, 0.1, 0.1, 0.05],
            ),
        ]
    )
    hours = np.round(rng.uniform(2, 16, len(person)) * 2) / 2
    order = np.lexsort((person, day))
    person, day, itype, org, cno, status, hours = (
        a[order] for a in (person, day, itype, org, cno, status, hours)
    )
    approved = status == "approved"
    return pa.table(
        {
            "declaration_id": ids("BI", np.arange(len(person)) + 1, 6),
            "staff_number": take(force.staff_number, person),
            "declared_date": days_to_date(cfg.start, day),
            "interest_type": take(types, itype),
            "organisation_name": strs(org),
            "company_number": pa.array(cno, pa.string()),
            "hours_per_week": pa.array(hours),
            "status": strs(status),
            "review_date": days_to_date(cfg.start, day + 365, ~approved),
        }
    )


def associations_table(
    force: Force, asg: Assignment, cfg: SynthConfig, members: Interests, rng: np.random.Generator
) -> pa.Table:
    dec = members.declared
    p1 = members.person[dec]
    others = np.flatnonzero((asg.scenario < 0) & (rng.random(force.n) < 0.02))
    person = np.concatenate([p1, others])
    org = np.concatenate([members.org_name[dec], rng.choice(COMMUNITY, len(others))])
    otype = np.concatenate(
        [
            np.full(len(p1), "hierarchical", dtype=object),
            rng.choice(np.array(["professional", "community", "other"], dtype=object), len(others)),
        ]
    )
    day = np.concatenate(
        [np.maximum(members.start_day[dec] + 10, -700), rng.integers(-700, cfg.days, len(others))]
    )
    order = np.lexsort((person, day))
    person, org, otype, day = (a[order] for a in (person, org, otype, day))
    status = rng.choice(np.array(["noted", "approved"], dtype=object), len(person), p=[0.7, 0.3])
    return pa.table(
        {
            "declaration_id": ids("AS", np.arange(len(person)) + 1, 6),
            "staff_number": take(force.staff_number, person),
            "declared_date": days_to_date(cfg.start, day),
            "organisation_name": strs(org),
            "organisation_type": strs(otype),
            "status": strs(status),
        }
    )


def gifts_table(
    force: Force, asg: Assignment, cfg: SynthConfig, sup: Suppliers, rng: np.random.Generator
) -> pa.Table:
    n, D = force.n, cfg.days
    cnt = rng.poisson(np.where(rng.random(n) < 0.06, 1.5, 0.0) * D / 365)
    bad = asg.has("undeclared_supplier_gifts")
    cnt[bad] = 0
    who = np.repeat(np.arange(n), cnt)
    m = len(who)
    from_sup = rng.random(m) < 0.4
    s_idx = rng.integers(0, len(sup.ids), m)
    public = rng.choice(
        np.array(
            [
                "Member of the public",
                "Local residents' association",
                "Victim's family",
                "Community group",
                "Partner agency",
            ],
            dtype=object,
        ),
        m,
    )
    offeror = np.where(from_sup, sup.names[s_idx], public)
    sid = np.where(from_sup, sup.ids[s_idx], np.full(m, None, dtype=object))
    value = np.round(rng.gamma(2, 12, m), 2)
    accepted = rng.random(m) < 0.5
    approved = np.where(accepted, np.full(m, True, dtype=object), np.full(m, None, dtype=object))
    day = rng.integers(0, D, m)
    # the scenario: supplier gifts, accepted, with no approval and no supplier link recorded
    bw = np.flatnonzero(bad)
    k = 2 + (asg.intensity[bw] * 4).astype(int)
    bwho = np.repeat(bw, k)
    bs = np.repeat(rng.integers(0, len(sup.ids), len(bw)), k)
    name = sup.names[bs].copy()
    variant = asg.variant[bwho] == "name_variant"
    name[variant] = np.array(
        [s.removesuffix(" Ltd") + " Limited" for s in name[variant]], dtype=object
    )
    who = np.concatenate([who, bwho])
    offeror = np.concatenate([offeror, name])
    sid = np.concatenate([sid, np.full(len(bwho), None, dtype=object)])
    value = np.concatenate([value, np.round(rng.uniform(60, 600, len(bwho)), 2)])
    accepted = np.concatenate([accepted, np.ones(len(bwho), bool)])
    approved = np.concatenate([approved, np.full(len(bwho), None, dtype=object)])
    day = np.concatenate([day, rng.integers(0, D, len(bwho))])
    gtype = rng.choice(np.array(["gift", "hospitality"], dtype=object), len(who))
    order = np.lexsort((who, day))
    who, offeror, sid, value, accepted, approved, day, gtype = reorder(
        order, who, offeror, sid, value, accepted, approved, day, gtype
    )
    return pa.table(
        {
            "entry_id": ids("GH", np.arange(len(who)) + 1, 6),
            "staff_number": take(force.staff_number, who),
            "offered_date": days_to_date(cfg.start, day),
            "offeror_name": strs(offeror),
            "supplier_id": pa.array(sid, pa.string()),
            "gift_type": strs(gtype),
            "value_gbp": pa.array(value),
            "accepted": pa.array(accepted),
            "approved": pa.array(approved, pa.bool_()),
            "description": pa.nulls(len(who), pa.string()),
        }
    )


def expenses_table(
    force: Force, cfg: SynthConfig, sup: Suppliers, rng: np.random.Generator
) -> pa.Table:
    cnt = rng.poisson(np.where(force.supervisor, 6.0, 2.5) * cfg.days / 365)
    who = np.repeat(np.arange(force.n), cnt)
    m = len(who)
    cats = np.array(
        ["travel", "subsistence", "hospitality", "accommodation", "equipment", "other"],
        dtype=object,
    )
    cat = rng.choice(6, m, p=[0.45, 0.3, 0.03, 0.1, 0.07, 0.05])
    amount = np.round(rng.gamma(2.0, 20.0, m) * np.where(cat == 3, 4, 1), 2)
    with_sup = (cat >= 3) & (rng.random(m) < 0.6)
    s_idx = rng.integers(0, len(sup.ids), m)
    day = rng.integers(0, cfg.days, m)
    order = np.lexsort((who, day))
    who, cat, amount, with_sup, s_idx, day = reorder(order, who, cat, amount, with_sup, s_idx, day)
    return pa.table(
        {
            "claim_id": ids("EX", np.arange(m) + 1, 7),
            "staff_number": take(force.staff_number, who),
            "claim_date": days_to_date(cfg.start, day),
            "category": take(cats, cat),
            "amount_gbp": pa.array(amount),
            "supplier_name": take(sup.names, s_idx, ~with_sup),
            "supplier_id": take(sup.ids, s_idx, ~with_sup),
            "approver_staff_number": take(force.staff_number, force.manager[who]),
            "description": pa.nulls(m, pa.string()),
        }
    )
