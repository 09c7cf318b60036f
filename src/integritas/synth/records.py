"""Person-level records: HR, units, characteristics, complaints, conduct, declarations, vetting…"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from integritas.synth.arrow import dates, days_to_date, ids, strs, take
from integritas.synth.config import SynthConfig
from integritas.synth.events import Events
from integritas.synth.force import Force
from integritas.synth.scenarios import Assignment

SUPPLIER_WORDS_A = (
    "Apex",
    "Sterling",
    "Northgate",
    "Beacon",
    "Crown",
    "Meridian",
    "Summit",
    "Harbour",
    "Kestrel",
    "Orbit",
    "Pinnacle",
    "Vanguard",
    "Albion",
    "Castle",
)
SUPPLIER_WORDS_B = (
    "Vehicle Services",
    "Catering",
    "Security Systems",
    "Forensics",
    "IT Solutions",
    "Uniforms",
    "Training",
    "Fleet",
    "Facilities",
    "Communications",
    "Consulting",
)


@dataclass(frozen=True)
class Suppliers:
    ids: np.ndarray
    names: np.ndarray
    category: np.ndarray


def draw_suppliers(cfg: SynthConfig, rng: np.random.Generator) -> Suppliers:
    combos = np.array(
        [f"{a} {b} Ltd" for a in SUPPLIER_WORDS_A for b in SUPPLIER_WORDS_B], dtype=object
    )
    names = np.sort(rng.choice(combos, min(len(combos), 60 + cfg.staff // 200), replace=False))
    cat = np.array([n.split(" ", 1)[1].removesuffix(" Ltd") for n in names], dtype=object)
    return Suppliers(
        np.array([f"SUP{i + 1:05d}" for i in range(len(names))], dtype=object), names, cat
    )


def hr_table(force: Force, cfg: SynthConfig, rng: np.random.Generator) -> pa.Table:
    n = force.n
    letters = np.array(list("ABCEGHJKLMNPRSTWXYZ"), dtype=object)
    nino = (
        rng.choice(letters, n)
        + rng.choice(letters, n)
        + np.char.zfill(rng.integers(0, 10**6, n).astype(str), 6).astype(object)
        + rng.choice(np.array(list("ABCD"), dtype=object), n)
    )
    return pa.table(
        {
            "staff_number": strs(force.staff_number),
            "forename": strs(force.forename),
            "surname": strs(force.surname),
            "date_of_birth": dates(force.dob),
            "home_postcode": strs(force.postcode),
            "unit_id": strs(force.unit_id),
            "staff_type": pa.array(np.where(force.officer, "officer", "staff")),
            "rank_grade": strs(force.rank),
            "role": strs(force.role),
            "is_supervisor": pa.array(force.supervisor),
            "working_pattern": strs(force.pattern),
            "fte": pa.array(force.fte),
            "hybrid_policy_pct": pa.array(force.hybrid, mask=np.isnan(force.hybrid)),
            "attendance_exemption": pa.array(force.exemption),
            "line_manager_staff_number": take(force.staff_number, force.manager),
            "start_date": dates(force.start_date),
            "leave_date": dates(force.leave_date),
            "national_insurance_number": strs(nino),
        }
    )


def unit_table(force: Force) -> pa.Table:
    u = force.units
    return pa.table(
        {
            "unit_id": u.unit_id,
            "unit_name": u.unit_name,
            "parent_unit_id": pa.array(u.parent, pa.string()),
            "level": u.level,
        }
    )


def characteristics_table(
    force: Force, asg: Assignment, cfg: SynthConfig, rng: np.random.Generator
) -> pa.Table:
    n = force.n
    sex = np.where(force.male, "male", "female").astype(object)
    sex[rng.random(n) < 0.02] = "prefer_not_to_say"
    eth = rng.choice(
        np.array(["white", "asian", "black", "mixed", "other", "prefer_not_to_say"], dtype=object),
        n,
        p=[0.8, 0.085, 0.04, 0.035, 0.01, 0.03],
    )
    dis = rng.choice(
        np.array(["no", "yes", "prefer_not_to_say"], dtype=object), n, p=[0.87, 0.07, 0.06]
    )
    dis[asg.has("reasonable_adjustment")] = "yes"
    rel = rng.choice(
        np.array(
            [
                "No religion",
                "Christian",
                "Muslim",
                "Hindu",
                "Sikh",
                "Jewish",
                "Buddhist",
                "Other",
                "Prefer not to say",
            ],
            dtype=object,
        ),
        n,
        p=[0.45, 0.36, 0.06, 0.025, 0.015, 0.01, 0.005, 0.015, 0.06],
    )
    age = (np.datetime64(cfg.start, "D") - force.dob).astype(int) / 365.25
    band = np.array(["under_25", "25_34", "35_44", "45_54", "55_plus"], dtype=object)[
        np.digitize(age, [25, 35, 45, 55])
    ]
    missing = rng.random(n) < 0.03
    return pa.table(
        {
            "staff_number": strs(force.staff_number),
            "sex": strs(sex),
            "ethnicity": strs(eth),
            "disability": strs(dis),
            "religion": strs(rel),
            "age_band": strs(band, missing),
        }
    )


CATEGORIES = np.array(
    [
        "discourtesy",
        "use_of_force",
        "discrimination",
        "sexual_misconduct",
        "abuse_of_position",
        "honesty_integrity",
        "neglect_of_duty",
        "improper_disclosure",
        "other",
    ],
    dtype=object,
)


def complaints_table(
    force: Force, asg: Assignment, cfg: SynthConfig, rng: np.random.Generator
) -> pa.Table:
    D = cfg.days
    rate = np.where(force.officer, 0.25, 0.03) * D / 365
    cnt = rng.poisson(rate)
    pat = asg.has("complaint_pattern")
    cnt[pat] = 0
    who = np.repeat(np.arange(force.n), cnt)
    cat = rng.choice(
        np.arange(9), len(who), p=[0.3, 0.15, 0.07, 0.02, 0.03, 0.08, 0.25, 0.03, 0.07]
    )
    day = rng.integers(0, D, len(who))
    pw = np.flatnonzero(pat)
    k = 3 + (asg.intensity[pw] * 4).astype(int)
    pwho = np.repeat(pw, k)
    pcat = np.repeat(rng.choice([0, 1, 2, 3, 4], len(pw)), k)
    window = np.minimum(D, 300)
    pday = np.repeat(rng.integers(0, max(1, D - window + 1), len(pw)), k) + rng.integers(
        0, window, len(pwho)
    )
    who, cat, day = (
        np.concatenate([who, pwho]),
        np.concatenate([cat, pcat]),
        np.concatenate([day, pday]),
    )
    order = np.lexsort((who, day))
    who, cat, day = who[order], cat[order], day[order]
    m = len(who)
    fin = rng.random(m) < 0.7
    fin_day = day + rng.integers(20, 200, m)
    fin &= fin_day < D
    outcome = np.where(
        fin,
        rng.choice(
            np.array(["not_upheld", "resolved", "upheld", "withdrawn"], dtype=object),
            m,
            p=[0.5, 0.3, 0.12, 0.08],
        ),
        "pending",
    )
    return pa.table(
        {
            "complaint_id": ids("CO", np.arange(m) + 1, 7),
            "staff_number": take(force.staff_number, who),
            "received_date": days_to_date(cfg.start, day),
            "allegation_category": take(CATEGORIES, cat),
            "complainant_reference": ids("CMP", rng.integers(0, 10**8, m), 8),
            "complaint_source": take(
                np.array(["public", "colleague", "anonymous", "partner_agency"], dtype=object),
                rng.choice(4, m, p=[0.8, 0.1, 0.06, 0.04]),
            ),
            "outcome": strs(outcome),
            "finalised_date": days_to_date(cfg.start, fin_day, ~fin),
        }
    )


def conduct_table(force: Force, cfg: SynthConfig, rng: np.random.Generator) -> pa.Table:
    cnt = rng.poisson(0.03 * cfg.days / 365, force.n)
    who = np.repeat(np.arange(force.n), cnt)
    m = len(who)
    day = rng.integers(-700, cfg.days, m)
    closed = rng.random(m) < 0.6
    cday = day + rng.integers(30, 300, m)
    closed &= cday < cfg.days
    mtype = rng.choice(
        np.array(
            ["misconduct", "gross_misconduct", "performance", "reflective_practice"], dtype=object
        ),
        m,
        p=[0.45, 0.1, 0.2, 0.25],
    )
    finding = np.where(
        closed,
        rng.choice(np.array(["proven", "not_proven", "no_case"], dtype=object), m),
        "pending",
    )
    sanction = np.where(
        finding == "proven",
        rng.choice(
            np.array(
                [
                    "management_action",
                    "written_warning",
                    "final_written_warning",
                    "reflective_practice",
                ],
                dtype=object,
            ),
            m,
        ),
        "none",
    )
    return pa.table(
        {
            "matter_id": ids("CM", np.arange(m) + 1, 6),
            "staff_number": take(force.staff_number, who),
            "opened_date": days_to_date(cfg.start, day),
            "closed_date": days_to_date(cfg.start, cday, ~closed),
            "matter_type": strs(mtype),
            "finding": strs(finding),
            "sanction": strs(sanction),
        }
    )


def vetting_table(
    force: Force, asg: Assignment, cfg: SynthConfig, rng: np.random.Generator
) -> pa.Table:
    n = force.n
    start = np.datetime64(cfg.start, "D")
    end = start + cfg.days
    level = np.where(force.officer, "RV", "CTC").astype(object)
    level[np.isin(force.role, ["analyst", "investigator", "vetting_officer", "senior_leader"])] = (
        "MV"
    )
    level[force.role == "senior_leader"] = "SC"
    due = end + rng.integers(30, 3000, n).astype("m8[D]")
    status = np.full(n, "current", dtype=object)
    lapsed = asg.has("vetting_lapsed")
    v = asg.variant
    a = lapsed & (v == "status_lapsed")
    b = lapsed & (v == "review_overdue")
    due[lapsed] = start + rng.integers(-300, max(1, cfg.days - 30), lapsed.sum()).astype("m8[D]")
    due[b] = start - rng.integers(30, 300, b.sum()).astype("m8[D]")
    status[a] = "lapsed"
    granted = due - np.timedelta64(7 * 365, "D")
    granted = np.maximum(granted, force.start_date - np.timedelta64(30, "D"))
    return pa.table(
        {
            "vetting_id": ids("VT", np.arange(n) + 1, 7),
            "staff_number": strs(force.staff_number),
            "vetting_level": strs(level),
            "granted_date": dates(granted),
            "review_due_date": dates(due),
            "status": strs(status),
        }
    )


COURSES = (
    ("MAND01", "Information Security", True),
    ("MAND02", "Equality, Diversity and Inclusion", True),
    ("MAND03", "Personal Safety Training", True),
    ("MAND04", "Data Protection", True),
    ("OPT01", "Leadership Foundations", False),
    ("OPT02", "Digital Investigation", False),
)


def training_table(
    force: Force, asg: Assignment, cfg: SynthConfig, rng: np.random.Generator
) -> pa.Table:
    n, D = force.n, cfg.days
    who = np.repeat(np.arange(n), len(COURSES))
    course = np.tile(np.arange(len(COURSES)), n)
    keep = (course < 4) | (rng.random(len(who)) < 0.2)
    who, course = who[keep], course[keep]
    m = len(who)
    due = rng.integers(-60, D, m)
    late = rng.random(m) < 0.1
    comp = due - rng.integers(1, 60, m)
    comp[late] = due[late] + rng.integers(1, 30, late.sum())
    pending = comp >= D - 1
    overdue = asg.has("training_overdue")
    first = np.r_[True, who[1:] != who[:-1]]
    sel = overdue[who] & first
    due[sel] = -(rng.integers(60, 200, sel.sum()))
    pending |= sel
    title = np.array([c[1] for c in COURSES], dtype=object)
    code = np.array([c[0] for c in COURSES], dtype=object)
    return pa.table(
        {
            "record_id": ids("TR", np.arange(m) + 1, 8),
            "staff_number": take(force.staff_number, who),
            "course_code": take(code, course),
            "course_title": take(title, course),
            "mandatory": pa.array(course < 4),
            "due_date": days_to_date(cfg.start, due),
            "completed_date": days_to_date(cfg.start, comp, pending),
        }
    )


def major_events_table(events: Events, cfg: SynthConfig) -> pa.Table:
    return pa.table(
        {
            "operation_code": events.code,
            "operation_name": events.name,
            "start_date": days_to_date(cfg.start, events.start),
            "end_date": days_to_date(cfg.start, events.end),
            "unit_id": ["SO-PUBLIC_ORDER"] * len(events.code),
            "overtime_authorised": pa.array(events.authorised),
        }
    )


def suppliers_table(sup: Suppliers, cfg: SynthConfig, rng: np.random.Generator) -> pa.Table:
    n = len(sup.ids)
    start = rng.integers(-1500, 0, n)
    return pa.table(
        {
            "supplier_id": strs(sup.ids),
            "supplier_name": strs(sup.names),
            "category": strs(sup.category),
            "contract_start": days_to_date(cfg.start, start),
            "contract_end": days_to_date(cfg.start, start + rng.integers(700, 2500, n)),
        }
    )
