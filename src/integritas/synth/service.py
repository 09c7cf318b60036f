"""`generate`: write a whole synthetic force, chunk by chunk, with ground truth."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml
from pydantic import BaseModel

from integritas.synth import activity, declarations, foreign, itaccess, presence, records
from integritas.synth.config import SynthConfig
from integritas.synth.events import Events, draw_events
from integritas.synth.force import Force, build_force, period
from integritas.synth.grid import build_grid
from integritas.synth.overtime import build_overtime
from integritas.synth.registries import registry_table
from integritas.synth.scenarios import SCENARIOS, STRUCTURAL_BENIGN, Assignment, assign
from integritas.synth.writers import ExportWriter

# export name -> (file name, format); one per declared source
EXPORTS: dict[str, tuple[str, str]] = {
    "hr_master": ("hr_master.csv", "csv"),
    "unit_tree": ("unit_tree.csv", "csv"),
    "protected_characteristics": ("protected_characteristics.csv", "csv"),
    "duty_roster": ("duty_roster.csv", "csv"),
    "roster_audit": ("roster_audit.csv", "csv"),
    "overtime_claims": (foreign.OT_FILE, "csv"),
    "absence": ("absence.csv", "csv"),
    "badge_access": ("badge_access.csv", "csv"),
    "device_location": ("device_location.parquet", "parquet"),
    "it_access": ("it_access.jsonl", "jsonl"),
    "complaints": ("complaints.csv", "csv"),
    "conduct_matters": ("conduct_matters.csv", "csv"),
    "business_interests": ("business_interests.csv", "csv"),
    "associations": ("associations.csv", "csv"),
    "gifts_hospitality": ("gifts_hospitality.csv", "csv"),
    "expenses": ("expenses.csv", "csv"),
    "suppliers": ("suppliers.xlsx", "xlsx"),
    "vetting": ("vetting.csv", "csv"),
    "training": ("training.csv", "csv"),
    "major_events": ("major_events.csv", "csv"),
    "registry_company_directors": (foreign.CH_FILE, "csv"),
    "registry_memberships": ("registry_memberships.csv", "csv"),
}
DIRECTOR_WORDS = (
    "Consulting Ltd",
    "Property Ltd",
    "Security Ltd",
    "Training Ltd",
    "Holdings Ltd",
    "Investigations Ltd",
    "Lettings Ltd",
    "Fitness Ltd",
    "Motors Ltd",
)
LODGE_WORDS = (
    "Lodge No. 1417",
    "Chapter 88",
    "Lodge of Fidelity",
    "Preceptory 12",
    "Brotherhood Lodge",
)


class SynthReport(BaseModel):
    """What `generate` wrote: rows per file, and seconds per stage (not written to disk)."""

    out: Path
    seed: int
    staff: int
    days: int
    rows: dict[str, int]
    seconds: dict[str, float]
    ground_truth_rows: int
    linkage_truth_rows: int


def _rng(cfg: SynthConfig, name: str, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, zlib.crc32(name.encode()), chunk])


def generate(config: SynthConfig, out: Path) -> SynthReport:
    """Write every export, mapping, geofence and truth file for `config` into `out`."""
    cfg = config
    out.mkdir(parents=True, exist_ok=True)
    secs: dict[str, float] = {}
    t0 = time.perf_counter()
    force = build_force(cfg, _rng(cfg, "force"))
    asg = assign(force, cfg, _rng(cfg, "scenarios"))
    events = draw_events(cfg, _rng(cfg, "events"))
    sup = records.draw_suppliers(cfg, _rng(cfg, "suppliers"))
    w = _open_writer(out)
    secs["force"] = time.perf_counter() - t0
    counters = dict.fromkeys(CHUNKED, 1)
    for ci, lo in enumerate(range(0, force.n, cfg.chunk_staff)):
        people = np.arange(lo, min(force.n, lo + cfg.chunk_staff))
        tables = _chunk_tables(force, asg, cfg, events, ci, people, counters)
        while True:
            t = time.perf_counter()
            try:
                name, table = next(tables)
            except StopIteration:
                break
            if table.num_columns:  # an empty chunk still fixes the file's header
                w.write(name, table)
            counters[name] += table.num_rows
            secs[name] = secs.get(name, 0.0) + time.perf_counter() - t
    t = time.perf_counter()
    directors = declarations.draw_interests(
        force,
        asg,
        cfg,
        _rng(cfg, "directors"),
        "undeclared_secondary_employment",
        "declared_second_job",
        "0",
        DIRECTOR_WORDS,
    )
    members = _memberships(force, asg, cfg)
    singles = {
        "hr_master": lambda: records.hr_table(force, cfg, _rng(cfg, "hr")),
        "unit_tree": lambda: records.unit_table(force),
        "protected_characteristics": lambda: records.characteristics_table(
            force, asg, cfg, _rng(cfg, "pc")
        ),
        "complaints": lambda: records.complaints_table(force, asg, cfg, _rng(cfg, "complaints")),
        "conduct_matters": lambda: records.conduct_table(force, cfg, _rng(cfg, "conduct")),
        "business_interests": lambda: declarations.business_table(
            force, asg, cfg, directors, _rng(cfg, "bi")
        ),
        "associations": lambda: declarations.associations_table(
            force, asg, cfg, members, _rng(cfg, "assoc")
        ),
        "gifts_hospitality": lambda: declarations.gifts_table(
            force, asg, cfg, sup, _rng(cfg, "gifts")
        ),
        "expenses": lambda: declarations.expenses_table(force, cfg, sup, _rng(cfg, "expenses")),
        "suppliers": lambda: records.suppliers_table(sup, cfg, _rng(cfg, "suppliers2")),
        "vetting": lambda: records.vetting_table(force, asg, cfg, _rng(cfg, "vetting")),
        "training": lambda: records.training_table(force, asg, cfg, _rng(cfg, "training")),
        "major_events": lambda: records.major_events_table(events, cfg),
    }
    for name, make in singles.items():
        w.write(name, make())
    ch = registry_table(
        force,
        asg,
        cfg,
        directors,
        "0",
        "CH",
        ("director", "secretary", "member"),
        DIRECTOR_WORDS,
        False,
        _rng(cfg, "reg_ch"),
    )
    w.write("registry_company_directors", foreign.companies_house(ch.table))
    mem = registry_table(
        force,
        asg,
        cfg,
        members,
        "M",
        "MEM",
        ("member", "officer"),
        LODGE_WORDS,
        True,
        _rng(cfg, "reg_mem"),
    )
    w.write("registry_memberships", mem.table)
    rows = w.close()
    secs["records"] = time.perf_counter() - t
    foreign.write_mappings(out)
    _write_geofences(force, out)
    link = [("registry_company_directors", *r) for r in ch.truth] + [
        ("registry_memberships", *r) for r in mem.truth
    ]
    _write_csv(
        out / "linkage_truth.csv", ["registry", "record_id", "staff_number", "variant"], link
    )
    truth = _ground_truth(force, asg, cfg)
    _write_csv(
        out / "ground_truth.csv",
        ["staff_number", "scenario", "start", "end", "kind", "detail"],
        truth,
    )
    meta = {
        "config": json.loads(cfg.model_dump_json()),
        "seed": cfg.seed,
        "rows": rows,
        "ground_truth_rows": len(truth),
        "linkage_truth_rows": len(link),
    }
    (out / "synth.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    secs["total"] = time.perf_counter() - t0
    return SynthReport(
        out=out,
        seed=cfg.seed,
        staff=cfg.staff,
        days=cfg.days,
        rows=rows,
        seconds={k: round(v, 3) for k, v in secs.items()},
        ground_truth_rows=len(truth),
        linkage_truth_rows=len(link),
    )


CHUNKED = (
    "duty_roster",
    "roster_audit",
    "overtime_claims",
    "absence",
    "badge_access",
    "device_location",
    "it_access",
)


def _chunk_tables(
    force: Force,
    asg: Assignment,
    cfg: SynthConfig,
    events: Events,
    ci: int,
    people: np.ndarray,
    counters: dict[str, int],
) -> Iterator[tuple[str, pa.Table]]:
    """The activity tables of one chunk of staff, one at a time (time to build the grid and
    overtime is counted against the duty roster)."""
    grid = build_grid(force, asg, cfg, people, _rng(cfg, "grid", ci))
    ot = build_overtime(force, asg, cfg, grid, events, _rng(cfg, "overtime", ci))
    yield "duty_roster", activity.roster_table(force, cfg, grid)
    yield (
        "roster_audit",
        activity.audit_table(
            force, cfg, grid, ot, _rng(cfg, "audit", ci), counters["roster_audit"]
        ),
    )
    claims = activity.overtime_table(force, cfg, grid, ot, counters["overtime_claims"])
    yield "overtime_claims", foreign.payroll_overtime(claims) if claims.num_rows else claims
    yield (
        "absence",
        activity.absence_table(force, cfg, grid, _rng(cfg, "absence", ci), counters["absence"]),
    )
    yield (
        "badge_access",
        presence.badge_table(force, cfg, grid, _rng(cfg, "badge", ci), counters["badge_access"]),
    )
    yield (
        "device_location",
        presence.ping_table(force, cfg, grid, _rng(cfg, "ping", ci), counters["device_location"]),
    )
    yield (
        "it_access",
        itaccess.it_table(force, asg, cfg, grid, _rng(cfg, "it", ci), counters["it_access"]),
    )


def _open_writer(out: Path) -> ExportWriter:
    w = ExportWriter(out)
    for name, (filename, fmt) in EXPORTS.items():
        w.open(name, filename, fmt)
    return w


def _memberships(force: Force, asg: Assignment, cfg: SynthConfig) -> declarations.Interests:
    """Hierarchical-organisation members among staff: the undeclared scenario plus declared ones."""
    rng = _rng(cfg, "members")
    und = asg.has("undeclared_membership")
    # declared members: a share of people with no scenario (noted in the associations register)
    extra = (asg.scenario < 0) & (rng.random(force.n) < cfg.rates.undeclared_membership * 1.5)
    person = np.flatnonzero(und | extra)
    declared = extra[person]
    org = np.array(
        [f"{LODGE_WORDS[i % len(LODGE_WORDS)]}" for i in rng.integers(0, 50, len(person))],
        dtype=object,
    )
    org_id = np.array([f"L{x:05d}" for x in rng.integers(100, 99999, len(person))], dtype=object)
    return declarations.Interests(
        person, org, org_id, -rng.integers(30, 3000, len(person)), declared
    )


def _ground_truth(force: Force, asg: Assignment, cfg: SynthConfig) -> list[tuple[str, ...]]:
    start, end = (d.isoformat() for d in period(cfg))
    rows: list[tuple[str, ...]] = []
    for i in np.flatnonzero(asg.scenario >= 0):
        spec = SCENARIOS[asg.scenario[i]]
        rows.append(
            (
                str(force.staff_number[i]),
                spec.name,
                start,
                end,
                spec.kind,
                f"{asg.variant[i]}: {spec.detail}",
            )
        )
    leader = np.r_[True, force.team[1:] != force.team[:-1]]
    structural = {
        "part_time_worker": force.pattern == "part_time",
        "night_worker": force.pattern == "nights",
        "rostering_supervisor": leader & np.isin(force.rota, ["rota10", "neigh"]),
    }
    for name, mask in structural.items():
        for i in np.flatnonzero(mask & (asg.scenario < 0)):
            rows.append(
                (str(force.staff_number[i]), name, start, end, "benign", STRUCTURAL_BENIGN[name])
            )
    return sorted(rows)


def _write_csv(path: Path, header: list[str], rows: Sequence[tuple[str, ...]]) -> None:
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    table = pa.table({h: pa.array(list(c), pa.string()) for h, c in zip(header, cols, strict=True)})
    pacsv.write_csv(table, str(path))


def _write_geofences(force: Force, out: Path) -> None:
    doc = {
        "sites": [
            {"code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon, "radius_m": s.radius_m}
            for s in force.sites
        ]
    }
    (out / "geofences.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
