"""The force: unit tree, sites and the staff list with everything HR knows about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from integritas.synth.config import SynthConfig
from integritas.synth.names import name_lists


@dataclass(frozen=True)
class TeamTemplate:
    kind: str
    command: str
    department: str | None  # None: one per borough (frontline)
    share: float
    officer_p: float
    role: str
    rota: str  # rota10 | neigh | office | nights
    hybrid: float | None  # attendance policy % for office roles


TEMPLATES: tuple[TeamTemplate, ...] = (
    TeamTemplate("response", "FP", None, 0.28, 0.97, "response_officer", "rota10", None),
    TeamTemplate("neighbourhood", "FP", None, 0.12, 0.9, "neighbourhood_officer", "neigh", None),
    TeamTemplate("cid", "FP", None, 0.08, 0.85, "detective", "office", 40.0),
    TeamTemplate("custody", "FP", None, 0.04, 0.6, "custody", "rota10", None),
    TeamTemplate("borough_admin", "FP", None, 0.04, 0.0, "admin", "office", 60.0),
    TeamTemplate("public_order", "SO", "Public Order", 0.06, 0.98, "public_order", "neigh", None),
    TeamTemplate("intelligence", "SO", "Intelligence", 0.06, 0.4, "analyst", "office", 60.0),
    TeamTemplate("control_room", "SO", "Control Room", 0.08, 0.2, "control_room", "rota10", None),
    TeamTemplate("psd", "PR", "Professional Standards", 0.03, 0.6, "investigator", "office", 60.0),
    TeamTemplate("vetting", "PR", "Vetting Unit", 0.02, 0.0, "vetting_officer", "office", 60.0),
    TeamTemplate("hr", "CS", "People Services", 0.04, 0.0, "hr_adviser", "office", 60.0),
    TeamTemplate("finance", "CS", "Finance", 0.04, 0.0, "finance_officer", "office", 60.0),
    TeamTemplate("digital", "CS", "Digital Policing", 0.05, 0.0, "digital", "office", 40.0),
    TeamTemplate("training", "CS", "Training School", 0.04, 0.7, "trainer", "office", 60.0),
    TeamTemplate("senior", "CS", "Chief Officer Group", 0.02, 0.6, "senior_leader", "office", 80.0),
)
COMMANDS = {
    "FP": "Frontline Policing",
    "SO": "Specialist Operations",
    "PR": "Professionalism",
    "CS": "Corporate Services",
}
BOROUGHS = (
    ("Northgate", "N", 51.60, -0.11),
    ("Southwark Vale", "SE", 51.45, -0.07),
    ("Eastmarsh", "E", 51.54, 0.03),
    ("Westbridge", "W", 51.51, -0.25),
    ("Central", "WC", 51.515, -0.12),
    ("Riverside", "SW", 51.46, -0.18),
    ("Hillcrest", "NW", 51.57, -0.21),
    ("Kingsford", "CR", 51.38, -0.10),
    ("Oakwell", "BR", 51.40, 0.02),
    ("Elmstead", "HA", 51.58, -0.33),
    ("Marshfield", "IG", 51.56, 0.08),
    ("Ashby", "TW", 51.45, -0.36),
)
OFFICER_RANKS = (
    "Constable",
    "Sergeant",
    "Inspector",
    "Chief Inspector",
    "Superintendent",
    "Chief Superintendent",
)
OFFICER_P = (0.72, 0.16, 0.07, 0.03, 0.015, 0.005)
STAFF_GRADES = ("Band A", "Band B", "Band C", "Band D", "Band E", "Band F")
STAFF_P = (0.1, 0.25, 0.3, 0.2, 0.1, 0.05)
SENIOR_OFFICER = (
    "Superintendent",
    "Chief Superintendent",
    "Commander",
    "Deputy Assistant Commissioner",
)
SENIOR_STAFF = ("Band F", "Director")


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    lat: float
    lon: float
    radius_m: int


@dataclass(frozen=True)
class Units:
    unit_id: list[str]
    unit_name: list[str]
    parent: list[str | None]
    level: list[str]
    team_ids: np.ndarray  # index into unit lists, per team
    team_template: np.ndarray  # index into TEMPLATES
    team_site: np.ndarray  # index into sites
    team_parent_first: np.ndarray  # first team index of the same parent unit


@dataclass
class Force:
    """Per-person arrays (index = person), sorted by team."""

    n: int
    staff_number: np.ndarray
    forename: np.ndarray
    surname: np.ndarray
    male: np.ndarray
    dob: np.ndarray  # datetime64[D]
    postcode: np.ndarray
    home_lat: np.ndarray
    home_lon: np.ndarray
    team: np.ndarray  # team index
    unit_id: np.ndarray
    site: np.ndarray
    officer: np.ndarray
    rank: np.ndarray
    role: np.ndarray
    template: np.ndarray
    supervisor: np.ndarray
    pattern: np.ndarray  # working_pattern
    rota: np.ndarray  # rota10 | neigh | office | nights | part | compressed
    rota_offset: np.ndarray
    fte: np.ndarray
    hybrid: np.ndarray  # float, nan = no policy
    exemption: np.ndarray
    manager: np.ndarray  # person index or -1
    start_date: np.ndarray
    leave_date: np.ndarray  # NaT where still serving
    device: np.ndarray
    sites: list[Site]
    units: Units


def _units(cfg: SynthConfig, rng: np.random.Generator) -> tuple[Units, list[Site]]:
    ids: list[str] = ["FORCE"]
    names: list[str] = ["Synthetic Constabulary"]
    parents: list[str | None] = [None]
    levels: list[str] = ["force"]

    def add(uid: str, name: str, parent: str | None, level: str) -> None:
        ids.append(uid)
        names.append(name)
        parents.append(parent)
        levels.append(level)

    for code, cname in COMMANDS.items():
        add(code, cname, "FORCE", "command")
    n_bor = int(np.clip(round(cfg.staff * 0.56 / 350), 2, len(BOROUGHS)))
    sites: list[Site] = []
    for i, (bname, _, lat, lon) in enumerate(BOROUGHS[:n_bor]):
        sites.append(Site(f"STN{i + 1:02d}", f"{bname} Police Station", lat, lon, 150))
    sites.append(Site("HQ", "Force Headquarters", 51.4995, -0.1335, 200))
    sites.append(Site("OPS", "Specialist Operations Centre", 51.5280, -0.0560, 200))
    sites.append(Site("VENUE", "City Stadium (major events)", 51.5560, -0.2796, 400))
    team_ids, team_tpl, team_site, team_pfirst, weights = [], [], [], [], []
    for t_i, tpl in enumerate(TEMPLATES):
        if tpl.department is None:
            parents_here = []
            for b in range(n_bor):
                bid = f"FP-B{b + 1:02d}"
                if bid not in ids:
                    add(bid, BOROUGHS[b][0] + " Borough", "FP", "borough")
                parents_here.append((bid, b))
        else:
            did = f"{tpl.command}-{tpl.kind.upper()}"
            add(did, tpl.department, tpl.command, "borough")
            site = n_bor if tpl.command in ("CS", "PR") else n_bor + 1
            parents_here = [(did, site)]
        per_parent = max(1, round(tpl.share * cfg.staff / len(parents_here) / 22))
        for pid, site in parents_here:
            for k in range(per_parent):
                pname = names[ids.index(pid)]
                kind = tpl.kind.replace("_", " ")
                add(
                    f"{pid}-{tpl.kind[:3].upper()}{k + 1}",
                    f"{pname} {kind} team {k + 1}",
                    pid,
                    "team",
                )
                team_ids.append(len(ids) - 1)
                team_tpl.append(t_i)
                team_site.append(site)
                weights.append(tpl.share / len(parents_here) / per_parent)
    # first team under each parent: its leader manages the other team leaders there
    first: dict[str | None, int] = {}
    for t, uid in enumerate(team_ids):
        first.setdefault(parents[uid], t)
    team_pfirst = [first[parents[uid]] for uid in team_ids]
    units = Units(
        ids,
        names,
        parents,
        levels,
        np.array(team_ids),
        np.array(team_tpl),
        np.array(team_site),
        np.array(team_pfirst),
    )
    units.__dict__["weights"] = np.array(weights) / sum(weights)
    return units, sites


def build_force(cfg: SynthConfig, rng: np.random.Generator) -> Force:
    units, sites = _units(cfg, rng)
    n = cfg.staff
    nteams = len(units.team_ids)
    counts = rng.multinomial(n - nteams, units.__dict__["weights"]) + 1  # every team >= 1
    team = np.repeat(np.arange(nteams), counts)
    tpl = units.team_template[team]
    officer_p = np.array([t.officer_p for t in TEMPLATES])[tpl]
    officer = rng.random(n) < officer_p
    first_of_team = np.r_[True, team[1:] != team[:-1]]
    nl = name_lists()
    male = rng.random(n) < np.where(officer, 0.66, 0.38)
    forename = np.where(
        male,
        rng.choice(nl.male, n, p=nl.male_p),
        rng.choice(nl.female, n, p=nl.female_p),
    )
    surname = rng.choice(nl.surnames, n, p=nl.surname_p)
    start = np.datetime64(cfg.start)
    service_days = (rng.gamma(2.0, 2600, n)).astype(int) + 30
    start_date = start - service_days.astype("timedelta64[D]")
    joiner = rng.random(n) < 0.04
    start_date[joiner] = start + rng.integers(1, cfg.days - 7, joiner.sum()).astype("m8[D]")
    leaver = (rng.random(n) < 0.04) & ~joiner & ~first_of_team
    leave_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    leave_date[leaver] = start + rng.integers(7, cfg.days - 1, leaver.sum()).astype("m8[D]")
    age_at_join = rng.integers(19, 45, n)
    dob = start_date - (age_at_join * 365.25 + rng.integers(0, 365, n)).astype("m8[D]")
    too_old = (start - dob).astype(int) > 66 * 365
    dob[too_old] = start - (rng.integers(50, 65, too_old.sum()) * 365).astype("m8[D]")
    # rank / grade
    senior = tpl == [t.kind for t in TEMPLATES].index("senior")
    rank = np.where(
        officer, rng.choice(OFFICER_RANKS, n, p=OFFICER_P), rng.choice(STAFF_GRADES, n, p=STAFF_P)
    ).astype(object)
    rank[senior & officer] = rng.choice(SENIOR_OFFICER, (senior & officer).sum())
    rank[senior & ~officer] = rng.choice(SENIOR_STAFF, (senior & ~officer).sum())
    lead_rank = np.where(officer, "Inspector", "Band D")
    rank[first_of_team & ~senior] = lead_rank[first_of_team & ~senior]
    supervisor = np.isin(rank, ["Constable", "Band A", "Band B", "Band C", "Band D"], invert=True)
    supervisor |= first_of_team
    role = np.array([t.role for t in TEMPLATES], dtype=object)[tpl]
    role[~officer & (role == "response_officer")] = "response_support"
    # working patterns
    base_rota = np.array([t.rota for t in TEMPLATES], dtype=object)[tpl]
    u = rng.random(n)
    pattern = np.full(n, "full_time", dtype=object)
    rota = base_rota.copy()
    office = base_rota == "office"
    part = office & (u < 0.12) & ~first_of_team
    comp = office & (u >= 0.12) & (u < 0.2)
    pattern[part], rota[part] = "part_time", "part"
    pattern[comp], rota[comp] = "compressed", "compressed"
    ctrl = role == "control_room"
    nights = ctrl & (u < 0.4) & ~first_of_team
    pattern[nights], rota[nights] = "nights", "nights"
    fte = np.where(part, rng.choice([0.5, 0.6, 0.8], n), 1.0)
    hyb = np.array([np.nan if t.hybrid is None else t.hybrid for t in TEMPLATES])[tpl]
    # line managers: team leader; team leaders report to the first team leader of their parent
    team_first_idx = np.flatnonzero(first_of_team)
    manager = team_first_idx[team]
    lead_of_team = team_first_idx
    parent_lead = lead_of_team[units.team_parent_first[team]]
    manager = np.where(first_of_team, parent_lead, manager)
    senior_lead = lead_of_team[
        np.flatnonzero(units.team_template == TEMPLATES.index(TEMPLATES[-1]))[0]
    ]
    manager[first_of_team & (manager == np.arange(n))] = senior_lead
    manager[np.arange(n) == senior_lead] = -1
    # homes
    b_lat = np.array([s.lat for s in sites])[units.team_site[team]]
    b_lon = np.array([s.lon for s in sites])[units.team_site[team]]
    home_lat = b_lat + rng.normal(0, 0.06, n)
    home_lon = b_lon + rng.normal(0, 0.09, n)
    home_b = np.argmin(
        (home_lat[:, None] - np.array([b[2] for b in BOROUGHS])) ** 2
        + (home_lon[:, None] - np.array([b[3] for b in BOROUGHS])) ** 2,
        axis=1,
    )
    district = np.array([b[1] for b in BOROUGHS], dtype=object)[home_b]
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    postcode = (
        district.astype(str)
        + rng.integers(1, 29, n).astype(str)
        + " "
        + rng.integers(1, 10, n).astype(str)
        + letters[rng.integers(0, 20, n)]
        + letters[rng.integers(0, 20, n)]
    ).astype(object)
    frontline_officer = officer & np.isin(
        role,
        ["response_officer", "neighbourhood_officer", "public_order", "detective", "senior_leader"],
    )
    device = rng.random(n) < np.where(
        frontline_officer, cfg.device_share * 2.2, cfg.device_share * 0.3
    )
    numbers = rng.permutation(900_000)[:n] + 100_000
    staff_number = np.char.add("MP", numbers.astype(str)).astype(object)
    return Force(
        n=n,
        staff_number=staff_number,
        forename=forename,
        surname=surname,
        male=male,
        dob=dob,
        postcode=postcode,
        home_lat=home_lat,
        home_lon=home_lon,
        team=team,
        unit_id=np.array(units.unit_id, dtype=object)[units.team_ids[team]],
        site=units.team_site[team],
        officer=officer,
        rank=rank,
        role=role,
        template=tpl,
        supervisor=supervisor,
        pattern=pattern,
        rota=rota,
        rota_offset=rng.integers(0, 70, n),
        fte=fte,
        hybrid=hyb,
        exemption=np.zeros(n, dtype=bool),
        manager=manager,
        start_date=start_date,
        leave_date=leave_date,
        device=device,
        sites=sites,
        units=units,
    )


def period(cfg: SynthConfig) -> tuple[date, date]:
    start = cfg.start
    return start, date.fromordinal(start.toordinal() + cfg.days - 1)
