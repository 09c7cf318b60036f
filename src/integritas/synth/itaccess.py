"""IT audit log: look-ups on police systems, most during duty and linked to an incident."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from integritas.synth.arrow import ids, minutes_to_ts, take
from integritas.synth.config import SynthConfig
from integritas.synth.force import Force
from integritas.synth.grid import REST_DAY, Grid
from integritas.synth.names import name_lists
from integritas.synth.scenarios import Assignment

SYSTEMS = np.array(
    ["records", "intelligence", "national_computer", "command_and_control", "hr_self_service"],
    dtype=object,
)
QUERIES = np.array(
    [
        "person_search",
        "vehicle_search",
        "address_search",
        "record_view",
        "bulk_export",
        "intel_report",
    ],
    dtype=object,
)
USERS = (
    "response_officer",
    "neighbourhood_officer",
    "detective",
    "custody",
    "public_order",
    "analyst",
    "control_room",
    "investigator",
    "vetting_officer",
)


def it_table(
    force: Force,
    asg: Assignment,
    cfg: SynthConfig,
    grid: Grid,
    rng: np.random.Generator,
    id_base: int,
) -> pa.Table:
    people = grid.people
    user = np.isin(force.role[people], USERS)
    r, d = np.nonzero(grid.worked & user[:, None] & (grid.as_ >= 0))
    rate = (
        np.where(np.isin(force.role[people[r]], ["analyst", "control_room"]), 3.0, 1.0)
        * cfg.lookups_per_duty
    )
    n = rng.poisson(rate)
    rr, dd = np.repeat(r, n), np.repeat(d, n)
    span = np.maximum(grid.ae[rr, dd] - grid.as_[rr, dd], 1)
    t = grid.as_[rr, dd] + (rng.random(len(rr)) * span).astype(int)
    k = len(rr)
    has_incident = rng.random(k) < 0.93
    analyst = force.role[people[rr]] == "analyst"
    query = rng.choice(np.arange(6), k, p=[0.45, 0.2, 0.12, 0.18, 0.0, 0.05])
    bulk = analyst & (rng.random(k) < 0.03)
    query[bulk] = 4
    subj_staff = np.full(k, -1)
    # professional standards investigators look up colleagues, always against a case reference
    psd = force.role[people[rr]] == "investigator"
    pick = psd & (rng.random(k) < 0.3)
    subj_staff[pick] = rng.integers(0, force.n, k)[pick]
    misuse = asg.has("system_misuse")[people]
    var = asg.variant[people]
    extra_r, extra_t, extra_kind = [], [], []
    for row in np.flatnonzero(misuse):
        m = 4 + int(asg.intensity[people[row]] * 10)
        if var[row] == "no_incident":
            m = 15 + int(asg.intensity[people[row]] * 25)
        days = np.flatnonzero(grid.worked[row])
        if var[row] == "out_of_duty":
            days = np.flatnonzero(grid.employed[row] & (grid.status[row] == REST_DAY))
        days = rng.choice(days, m) if len(days) else np.array([], dtype=int)
        if var[row] == "out_of_duty":
            tt = days * 1440 + rng.integers(0, 1440, len(days))
        else:
            tt = grid.as_[row, days] + rng.integers(0, 400, len(days))
        extra_r.append(np.full(len(days), row))
        extra_t.append(tt)
        extra_kind.append(np.full(len(days), var[row], dtype=object))
    er = np.concatenate(extra_r) if extra_r else np.array([], dtype=int)
    et = np.concatenate(extra_t) if extra_t else np.array([], dtype=int)
    ek = np.concatenate(extra_kind) if extra_kind else np.array([], dtype=object)
    ne = len(er)
    nl = name_lists()
    surname = rng.choice(nl.surnames, k + ne, p=nl.surname_p)
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
    dist = np.array(
        ["N", "SE", "E", "W", "SW", "NW", "CR", "BR", "HA", "IG", "TW", "EN", "RM", "DA"],
        dtype=object,
    )
    postcode = (
        rng.choice(dist, k + ne)
        + rng.integers(1, 29, k + ne).astype(str)
        + " "
        + rng.integers(1, 10, k + ne).astype(str)
        + rng.choice(letters, k + ne)
        + rng.choice(letters, k + ne)
    ).astype(object)
    all_r = np.concatenate([rr, er])
    all_t = np.concatenate([t, et])
    q = np.concatenate([query, np.zeros(ne, int)])
    inc = np.concatenate([has_incident, ek == "out_of_duty"])
    sstaff = np.concatenate([subj_staff, np.full(ne, -1)])
    recs = np.concatenate([rng.integers(0, 4, k) + 1, rng.integers(1, 3, ne)])
    recs[:k][bulk] = rng.integers(100, 2000, bulk.sum())
    g = people[all_r]
    base = k
    col = ek == "colleague"
    colleague = rng.integers(0, force.n, ne)
    sstaff[base:][col] = colleague[col]
    surname[base:][col] = force.surname[colleague[col]]
    postcode[base:][col] = force.postcode[colleague[col]]
    same_s = ek == "same_surname"
    surname[base:][same_s] = force.surname[g[base:][same_s]]
    same_p = ek == "same_postcode"
    postcode[base:][same_p] = force.postcode[g[base:][same_p]]
    blk = ek == "bulk"
    q[base:][blk] = 4
    recs[base:][blk] = rng.integers(300, 5000, blk.sum())
    inc[base:][blk] = False
    # subjects of vehicle searches and bulk exports are not people with surnames
    no_person = np.isin(q, [1, 4])
    sstaff_arr = take(force.staff_number, sstaff)
    order = np.lexsort((all_t, all_r))
    tbl = pa.table(
        {
            "event_id": ids("IT", id_base + np.arange(len(all_r)), 10),
            "user_staff_number": take(force.staff_number, g),
            "system": take(
                SYSTEMS, np.where(q == 5, 1, rng.choice([0, 2, 3], len(q), p=[0.6, 0.3, 0.1]))
            ),
            "query_type": take(QUERIES, q),
            "subject_reference": ids("SUBJ", rng.integers(0, 10**8, len(q)), 8),
            "subject_staff_number": sstaff_arr,
            "subject_surname": pa.array(surname, pa.string(), mask=no_person),
            "subject_postcode": pa.array(postcode, pa.string(), mask=no_person),
            "restricted_record": pa.array(rng.random(len(q)) < 0.01),
            "incident_reference": pa.array(
                np.char.add("CAD", rng.integers(10**6, 10**7, len(q)).astype(str)).astype(object),
                pa.string(),
                mask=~inc,
            ),
            "terminal_id": ids("T", rng.integers(1000, 9999, len(q)), 4),
            "event_time": minutes_to_ts(cfg.start, all_t),
            "records_returned": pa.array(recs.astype(np.int64)),
        }
    )
    tbl = tbl.take(pa.array(order))
    return tbl.set_column(0, "event_id", ids("IT", id_base + np.arange(len(all_r)), 10))
