"""Duty roster, roster audit, absence and overtime tables for one chunk of staff."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integritas.synth.arrow import days_to_date, ids, minutes_to_ts, take
from integritas.synth.config import SynthConfig
from integritas.synth.force import Force
from integritas.synth.grid import REST, SHIFT_TYPES, STATUSES, Grid
from integritas.synth.overtime import Overtime, Parts


def roster_table(force: Force, cfg: SynthConfig, grid: Grid) -> pa.Table:
    r, d = np.nonzero(grid.employed)
    D = grid.code.shape[1]
    g = grid.people[r]
    code = grid.code[r, d].astype(int)
    status = grid.status[r, d].astype(int)
    stype = np.where(status == 2, len(SHIFT_TYPES), code)
    rs, re_ = grid.rs[r, d], grid.re[r, d]
    no_roster = (code == REST) | (status == 2)
    as_, ae = grid.as_[r, d], grid.ae[r, d]
    return pa.table(
        {
            "shift_id": ids("SH", g * D + d, 10),
            "staff_number": take(force.staff_number, g),
            "unit_id": take(force.unit_id, g),
            "shift_date": days_to_date(cfg.start, d),
            "rostered_start": minutes_to_ts(cfg.start, np.maximum(rs, 0), no_roster),
            "rostered_end": minutes_to_ts(cfg.start, np.maximum(re_, 0), no_roster),
            "actual_start": minutes_to_ts(cfg.start, np.maximum(as_, 0), as_ < 0),
            "actual_end": minutes_to_ts(cfg.start, np.maximum(ae, 0), ae < 0),
            "shift_type": take(np.append(SHIFT_TYPES, "leave"), stype),
            "status": take(STATUSES, status),
        }
    )


def audit_table(
    force: Force, cfg: SynthConfig, grid: Grid, ot: Overtime, rng: np.random.Generator, id_base: int
) -> pa.Table:
    P, D = grid.code.shape
    people = grid.people
    edits = Parts()
    # routine edits by the team leader (whose job is rostering): amend times or shift type
    r, d = np.nonzero(grid.employed & (grid.rs >= 0) & (rng.random((P, D)) < 0.05))
    leader = force.manager[people[r]]
    lead_self = leader < 0
    leader[lead_self] = people[r[lead_self]]
    edited = (d - rng.integers(1, 21, len(r))) * 1440 + rng.integers(420, 1080, len(r))
    new = grid.rs[r, d]
    old = new + rng.choice(np.array([-120, -60, 60, 120]), len(r))
    edits.add(
        row=r,
        day=d,
        editor=leader,
        edited=edited,
        edit_type="amend",
        field="rostered_start",
        old=old,
        new=new,
        delta=np.full(len(r), np.nan),
    )
    # self-service swaps with a colleague
    r2, d2 = np.nonzero(grid.worked & (rng.random((P, D)) < 0.006))
    edits.add(
        row=r2,
        day=d2,
        editor=people[r2],
        edited=(d2 - rng.integers(2, 30, len(r2))) * 1440 + 700,
        edit_type="swap",
        field="duty",
        old=np.full(len(r2), -1),
        new=np.full(len(r2), -1),
        delta=np.zeros(len(r2)),
    )
    for k, v in ot.edits.cols.items():
        edits.cols.setdefault(k, []).extend(v)
    row, day = edits.get("row"), edits.get("day")
    etype = edits.get("edit_type")
    field = edits.get("field")
    swap = etype == "swap"
    partner = np.where(swap, people[np.clip(row + rng.choice([-1, 1], len(row)), 0, P - 1)], -1)
    ts_field = ~swap
    old_ts = minutes_to_ts(cfg.start, np.maximum(edits.get("old").astype(np.int64), 0), ~ts_field)
    new_ts = minutes_to_ts(cfg.start, np.maximum(edits.get("new").astype(np.int64), 0), ~ts_field)
    # a swap names the colleague only in swap_with_staff_number (pseudonymised at ingest),
    # never in the free old/new value columns
    old_s = old_ts.cast(pa.string())
    new_s = new_ts.cast(pa.string())
    delta = edits.get("delta").astype(float)
    reasons = np.array(
        ["cover", "operational need", "officer request", "court warning", "correction"],
        dtype=object,
    )
    order = np.lexsort((edits.get("edited"), row))
    tbl = pa.table(
        {
            "edit_id": ids("ED", np.zeros(len(row), int), 10),
            "shift_id": ids("SH", people[row] * D + day, 10),
            "editor_staff_number": take(force.staff_number, edits.get("editor").astype(np.int64)),
            "subject_staff_number": take(force.staff_number, people[row]),
            "edited_at": minutes_to_ts(cfg.start, edits.get("edited").astype(np.int64)),
            "edit_type": pa.array(etype, pa.string()),
            "field_changed": pa.array(field, pa.string()),
            "old_value": old_s,
            "new_value": new_s,
            "swap_with_staff_number": take(force.staff_number, partner),
            "overtime_hours_delta": pa.array(delta, mask=np.isnan(delta)),
            "reason": take(reasons, rng.integers(0, len(reasons), len(row))),
        }
    ).take(pa.array(order))
    return tbl.set_column(0, "edit_id", ids("ED", id_base + np.arange(len(row)), 10))


def absence_table(
    force: Force, cfg: SynthConfig, grid: Grid, rng: np.random.Generator, id_base: int
) -> pa.Table:
    D = grid.code.shape[1]
    sr, ss, sl, sra = grid.sick
    lr, ls, ll = grid.leave
    rows = np.concatenate([sr, lr])
    start = np.concatenate([ss, ls])
    length = np.concatenate([sl, ll])
    typ = np.concatenate([np.zeros(len(sr), int), np.ones(len(lr), int)])
    other = rng.random(len(rows)) < 0.04
    typ[other & (typ == 1)] = rng.choice([2, 3, 4, 5, 6], (other & (typ == 1)).sum())
    ra = np.concatenate([sra, np.zeros(len(lr), bool)])
    g = grid.people[rows]
    first = np.maximum(start, (force.start_date[g] - np.datetime64(cfg.start, "D")).astype(int))
    end = np.minimum(start + np.maximum(length, 1) - 1, D - 1)
    valid = (first <= end) & grid.employed[rows, np.clip(first, 0, D - 1)]
    rows, first, end, typ, ra, g = (a[valid] for a in (rows, first, end, typ, ra, g))
    order = np.lexsort((first, rows))
    rows, first, end, typ, ra, g = (a[order] for a in (rows, first, end, typ, ra, g))
    types = np.array(
        [
            "sickness",
            "annual_leave",
            "special_leave",
            "compassionate",
            "parental",
            "training",
            "other",
        ],
        dtype=object,
    )
    notes = np.array(
        [
            "cold",
            "back pain",
            "stress",
            "gastro",
            "migraine",
            "injury on duty",
            "medical appointment",
            "covid",
        ],
        dtype=object,
    )
    sick = typ == 0
    return pa.table(
        {
            "absence_id": ids("AB", id_base + np.arange(len(rows)), 9),
            "staff_number": take(force.staff_number, g),
            "absence_type": take(types, typ),
            "start_date": days_to_date(cfg.start, first),
            "end_date": days_to_date(cfg.start, end),
            "reasonable_adjustment": pa.array(ra & sick),
            "diagnosis_note": take(notes, rng.integers(0, len(notes), len(rows)), ~sick),
        }
    )


def overtime_table(
    force: Force, cfg: SynthConfig, grid: Grid, ot: Overtime, id_base: int
) -> pa.Table:
    c = ot.claims
    if len(c) == 0:
        return pa.table({})
    row = c.get("row").astype(np.int64)
    g = grid.people[row]
    start, end = c.get("start").astype(np.int64), c.get("end").astype(np.int64)
    order = np.lexsort((start, row))
    shift = c.get("shift").astype(np.int64)
    op = c.get("op")
    tbl = pa.table(
        {
            "claim_id": ids("OT", np.zeros(len(row), int), 9),
            "staff_number": take(force.staff_number, g),
            "unit_id": take(force.unit_id, g),
            "work_date": days_to_date(cfg.start, c.get("day").astype(np.int64)),
            "start_time": minutes_to_ts(cfg.start, start),
            "end_time": minutes_to_ts(cfg.start, end),
            "hours": pa.array(np.round((end - start) / 60.0, 2)),
            "reason_code": pa.array(c.get("reason"), pa.string()),
            "operation_code": pa.array(op, pa.string()),
            "authoriser_staff_number": take(
                force.staff_number, c.get("authoriser").astype(np.int64)
            ),
            "submitted_at": minutes_to_ts(cfg.start, c.get("submitted").astype(np.int64)),
            "status": pa.array(c.get("status"), pa.string()),
            "shift_id": pc.if_else(
                pa.array(shift < 0),
                pa.nulls(len(row), pa.string()),
                ids("SH", np.maximum(shift, 0), 10),
            ),
            "notes": pa.nulls(len(row), pa.string()),
        }
    ).take(pa.array(order))
    return tbl.set_column(0, "claim_id", ids("OT", id_base + np.arange(len(row)), 9))
