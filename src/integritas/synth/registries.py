"""External registries: mostly strangers, plus staff under name variants, plus namesakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from integritas.synth.arrow import days_to_date, reorder, strs
from integritas.synth.config import SynthConfig
from integritas.synth.declarations import Interests
from integritas.synth.force import Force
from integritas.synth.names import name_lists
from integritas.synth.scenarios import Assignment

VARIANTS = (
    "exact",
    "nickname",
    "typo",
    "swapped",
    "double_barrelled",
    "missing_birth",
    "district_only",
)


@dataclass(frozen=True)
class Registry:
    table: pa.Table  # standard shape (declared field names)
    truth: list[tuple[str, str, str]]  # (record_id, staff_number, variant)


def _typo(name: str, r: float) -> str:
    if len(name) < 4:
        return name + "e"
    i = 1 + int(r * (len(name) - 2))
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # adjacent transposition


def registry_table(
    force: Force,
    asg: Assignment,
    cfg: SynthConfig,
    staff_rows: Interests,
    prefix: str,
    record_prefix: str,
    roles: tuple[str, ...],
    org_words: tuple[str, ...],
    full_dob: bool,
    rng: np.random.Generator,
) -> Registry:
    nl = name_lists()
    n_out = int(cfg.staff * cfg.registry_size_factor)
    male = rng.random(n_out) < 0.55
    fore = np.where(
        male, rng.choice(nl.male, n_out, p=nl.male_p), rng.choice(nl.female, n_out, p=nl.female_p)
    )
    sur = rng.choice(nl.surnames, n_out, p=nl.surname_p)
    dob = np.datetime64("1940-01-01") + rng.integers(0, 60 * 365, n_out).astype("m8[D]")
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
    dists = np.array(
        ["N", "SE", "E", "W", "SW", "NW", "CR", "BR", "HA", "IG", "TW", "EN", "M", "B", "LS", "GU"],
        dtype=object,
    )
    pc = (
        rng.choice(dists, n_out)
        + rng.integers(1, 29, n_out).astype(str)
        + " "
        + rng.integers(1, 10, n_out).astype(str)
        + rng.choice(letters, n_out)
        + rng.choice(letters, n_out)
    ).astype(object)
    org = (
        rng.choice(nl.surnames, n_out) + " " + rng.choice(np.array(org_words, dtype=object), n_out)
    ).astype(object)
    org_id = np.array([f"{prefix}{x:07d}" for x in rng.integers(10**5, 10**7, n_out)], dtype=object)
    start = -rng.integers(0, 4000, n_out)
    staff_of = np.full(n_out, "", dtype=object)
    variant = np.full(n_out, "", dtype=object)
    # namesakes: same name as a member of staff, different birth date and postcode
    ns = np.flatnonzero(asg.has("registry_namesake"))
    slots = rng.choice(n_out, min(len(ns), n_out), replace=False)
    fore[slots], sur[slots] = force.forename[ns[: len(slots)]], force.surname[ns[: len(slots)]]
    dob[slots] = force.dob[ns[: len(slots)]] + rng.choice([-1, 1], len(slots)) * rng.integers(
        3 * 365, 25 * 365, len(slots)
    ).astype("m8[D]")
    # staff appointments under a variant of their name
    p = staff_rows.person
    k = len(p)
    v = np.array(VARIANTS, dtype=object)[rng.integers(0, len(VARIANTS), k)]
    s_fore = force.forename[p].copy()
    s_sur = force.surname[p].copy()
    s_dob = force.dob[p].copy()
    s_pc = force.postcode[p].copy()
    u = rng.random(k)
    for i in range(k):  # k is small: a few hundred staff appointments at most per 10k staff
        if v[i] == "nickname" and s_fore[i] in nl.nicknames:
            s_fore[i] = nl.nicknames[s_fore[i]][int(u[i] * len(nl.nicknames[s_fore[i]]))]
        elif v[i] == "nickname":
            v[i] = "initial"
            s_fore[i] = s_fore[i][0]
        elif v[i] == "typo":
            s_sur[i] = _typo(s_sur[i], u[i])
        elif v[i] == "swapped":
            s_fore[i], s_sur[i] = s_sur[i], s_fore[i]
        elif v[i] == "double_barrelled":
            s_sur[i] = s_sur[i] + "-" + nl.surnames[int(u[i] * 50)]
        elif v[i] == "district_only":
            s_pc[i] = s_pc[i].split(" ")[0]
    missing = v == "missing_birth"
    fore = np.concatenate([fore, s_fore])
    sur = np.concatenate([sur, s_sur])
    dob = np.concatenate([dob, s_dob])
    pc = np.concatenate([pc, s_pc])
    org = np.concatenate([org, staff_rows.org_name])
    org_id = np.concatenate([org_id, staff_rows.org_id])
    start = np.concatenate([start, staff_rows.start_day])
    staff_of = np.concatenate([staff_of, force.staff_number[p]])
    variant = np.concatenate([variant, v])
    no_birth = np.concatenate([rng.random(n_out) < 0.08, missing])
    total = len(fore)
    perm = rng.permutation(total)
    fore, sur, dob, pc, org, org_id, start, staff_of, variant, no_birth = reorder(
        perm, fore, sur, dob, pc, org, org_id, start, staff_of, variant, no_birth
    )
    rid = np.array([f"{record_prefix}{i + 1:08d}" for i in range(total)], dtype=object)
    ended = (rng.random(total) < 0.15) & (staff_of == "")
    end = start + rng.integers(100, 3000, total)
    ended &= end < cfg.days
    year = dob.astype("datetime64[Y]").astype(int) + 1970
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    no_full = no_birth | (rng.random(total) < (1.0 if not full_dob else 0.4))
    no_fore = (rng.random(total) < 0.01) & (staff_of == "")
    table = pa.table(
        {
            "record_id": strs(rid),
            "forenames": strs(fore, no_fore),
            "surname": strs(sur),
            "birth_year": pa.array(year, mask=no_birth),
            "birth_month": pa.array(month, mask=no_birth),
            "date_of_birth": pa.array(dob.astype("datetime64[D]"), mask=no_full),
            "postcode": strs(pc, rng.random(total) < 0.05),
            "organisation_name": strs(org),
            "organisation_id": strs(org_id),
            "role": strs(rng.choice(np.array(roles, dtype=object), total)),
            "start_date": days_to_date(cfg.start, start),
            "end_date": days_to_date(cfg.start, end, ~ended),
        }
    )
    staff_idx = np.flatnonzero(staff_of != "")
    truth = [(str(rid[i]), str(staff_of[i]), str(variant[i])) for i in staff_idx]
    return Registry(table, truth)
