"""Overtime claims for one chunk, the presence they leave behind, and roster edits behind them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from integritas.synth.config import SynthConfig
from integritas.synth.events import Events
from integritas.synth.force import Force
from integritas.synth.grid import DAY, REST_DAY, WORKED, Grid
from integritas.synth.scenarios import Assignment

HOURS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0])


@dataclass
class Parts:
    """Column lists appended piece by piece, concatenated once."""

    cols: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **cols: np.ndarray | object) -> None:
        n = max(len(v) for v in cols.values() if isinstance(v, np.ndarray))
        for k, v in cols.items():
            arr = (
                v
                if isinstance(v, np.ndarray)
                else np.full(n, v, dtype=object if isinstance(v, str) or v is None else None)
            )
            self.cols.setdefault(k, []).append(arr)

    def get(self, k: str) -> np.ndarray:
        return np.concatenate(self.cols[k]) if k in self.cols else np.array([])

    def __len__(self) -> int:
        first = next(iter(self.cols.values()), [])
        return sum(len(a) for a in first)


@dataclass
class Overtime:
    claims: Parts  # row, day, start, end, reason, op, authoriser, status, shift, submitted
    edits: Parts  # roster audit rows created by overtime (row=subject, editor, ...)


def build_overtime(
    force: Force,
    asg: Assignment,
    cfg: SynthConfig,
    grid: Grid,
    events: Events,
    rng: np.random.Generator,
) -> Overtime:
    people = grid.people
    P, D = grid.code.shape
    claims, edits = Parts(), Parts()
    worked = grid.worked
    var = asg.variant[people]
    has = {
        name: asg.has(name)[people]
        for name in (
            "excessive_hours",
            "rising_sickness_overtime",
            "major_event_heavy_overtime",
            "overtime_no_presence",
            "double_claim",
            "self_authorised_claim",
            "roster_manipulation",
        )
    }
    frontline = np.isin(force.rota[people], ["rota10", "neigh"]) & force.officer[people]
    p_ext = np.where(frontline, 0.035, 0.008)[:, None] * np.ones(D)
    p_ext[has["excessive_hours"]] = 0.55
    p_ext[has["rising_sickness_overtime"]] = 0.01 + 0.7 * np.linspace(0, 1, D) ** 1.5
    for name in ("self_authorised_claim", "double_claim"):
        p_ext[has[name]] = np.maximum(p_ext[has[name]], 0.08)
    ext = worked & (rng.random((P, D)) < p_ext)
    r, d = np.nonzero(ext)
    hours = rng.choice(HOURS, len(r))
    hours[has["excessive_hours"][r]] += 1.0
    start = grid.re[r, d]
    end = start + (hours * 60).astype(int)
    grid.ae[r, d] = end + rng.integers(0, 10, len(r))  # booked off late: the roster shows it
    reason = rng.choice(
        np.array(["staff_shortage", "late_arrest", "court", "other"], dtype=object),
        len(r),
        p=[0.5, 0.35, 0.05, 0.1],
    )
    manager = force.manager[people][r]
    status = rng.choice(
        np.array(["paid", "approved", "pending", "rejected"], dtype=object),
        len(r),
        p=[0.6, 0.3, 0.07, 0.03],
    )
    submitted = end + rng.integers(60, 4 * 1440, len(r))
    auth = manager.copy()
    sa = has["self_authorised_claim"][r]
    pick = sa & (rng.random(len(r)) < 0.7)
    auth[pick] = people[r[pick]]
    claims.add(
        row=r,
        day=d,
        start=start,
        end=end,
        reason=reason,
        op=np.full(len(r), None, dtype=object),
        authoriser=auth,
        status=status,
        shift=people[r] * D + d,
        submitted=submitted,
    )
    # supervisors record most legitimate extensions in the roster as they approve them
    # (people with no line manager, at the top of the tree, have nobody to record them)
    rec = (rng.random(len(r)) < 0.4) & (manager >= 0)
    edits.add(
        row=r[rec],
        day=d[rec],
        editor=manager[rec],
        edited=submitted[rec] - 30,
        edit_type="overtime_add",
        field="actual_end",
        old=grid.re[r[rec], d[rec]],
        new=end[rec],
        delta=hours[rec],
    )
    # major events: rest-day overtime at the venue (authorised; heavy for the benign look-alike)
    ev_day = events.day_event >= 0
    p_event = np.where(frontline, 0.22, 0.0)
    p_event[has["major_event_heavy_overtime"]] = 1.0
    p_event[force.role[people] == "public_order"] = 0.8
    on = (
        grid.employed
        & (grid.status == REST_DAY)
        & ev_day[None, :]
        & (rng.random((P, D)) < p_event[:, None])
    )
    r2, d2 = np.nonzero(on)
    s2 = d2 * 1440 + 600 + rng.integers(-60, 60, len(r2))
    h2 = rng.choice(np.array([8.0, 9.0, 10.0, 11.0]), len(r2))
    e2 = s2 + (h2 * 60).astype(int)
    # the rest day becomes a worked event duty in the roster, at the venue
    grid.code[r2, d2] = DAY
    grid.status[r2, d2] = WORKED
    grid.rs[r2, d2], grid.re[r2, d2] = s2, e2
    grid.as_[r2, d2], grid.ae[r2, d2] = (
        s2 + rng.integers(-10, 5, len(r2)),
        e2 + rng.integers(0, 15, len(r2)),
    )
    grid.attend[r2, d2] = True
    grid.venue[r2, d2] = True
    claims.add(
        row=r2,
        day=d2,
        start=s2,
        end=e2,
        reason="major_event",
        op=np.array(events.code, dtype=object)[events.day_event[d2]]
        if len(d2)
        else np.array([], dtype=object),
        authoriser=force.manager[people][r2],
        status="paid",
        shift=people[r2] * D + d2,
        submitted=e2 + 1440,
    )
    # the heavy look-alike also stays on after duty on every event day it is rostered
    # (not on a day that already has an extension claim: one stay-on per day)
    extended = np.zeros_like(worked)
    extended[r, d] = True
    on2 = worked & ~extended & ev_day[None, :] & has["major_event_heavy_overtime"][:, None]
    r3, d3 = np.nonzero(on2)
    h3 = rng.choice(np.array([4.0, 5.0, 6.0]), len(r3))
    s3 = grid.re[r3, d3]
    e3 = s3 + (h3 * 60).astype(int)
    grid.ae[r3, d3] = e3 + rng.integers(0, 10, len(r3))
    claims.add(
        row=r3,
        day=d3,
        start=s3,
        end=e3,
        reason="major_event",
        op=np.array(events.code, dtype=object)[events.day_event[d3]]
        if len(d3)
        else np.array([], dtype=object),
        authoriser=force.manager[people][r3],
        status="paid",
        shift=people[r3] * D + d3,
        submitted=e3 + 1440,
    )
    # overtime with no presence: rest-day claims, or extensions nobody stayed for
    ghost_rows = np.flatnonzero(has["overtime_no_presence"])
    for row in ghost_rows:
        n = 3 + int(asg.intensity[people[row]] * 8)
        if var[row] == "rest_day_claim":
            days = np.flatnonzero(grid.employed[row] & (grid.status[row] == REST_DAY))
        else:
            days = np.flatnonzero(worked[row])
        days = np.sort(rng.choice(days, min(n, len(days)), replace=False))
        if var[row] == "rest_day_claim":
            s = days * 1440 + 480
            e = s + 480
            sh = np.full(len(days), -1)
        else:
            grid.ae[row, days] = grid.re[row, days] + 5  # booked off on time
            s = grid.re[row, days]
            e = s + rng.choice(np.array([120, 180, 240]), len(days))
            sh = people[row] * D + days
        claims.add(
            row=np.full(len(days), row),
            day=days,
            start=s,
            end=e,
            reason="staff_shortage",
            op=np.full(len(days), None, dtype=object),
            authoriser=np.full(len(days), force.manager[people[row]]),
            status="paid",
            shift=sh,
            submitted=e + 2880,
        )
    # roster manipulation: the person edits their own duty to create paid overtime
    for row in np.flatnonzero(has["roster_manipulation"]):
        n = 3 + int(asg.intensity[people[row]] * 9)
        days = np.flatnonzero(worked[row])
        days = np.sort(rng.choice(days, min(n, len(days)), replace=False))
        h = rng.choice(HOURS[1:], len(days))
        old = grid.re[row, days]
        new = old + (h * 60).astype(int)
        grid.ae[row, days] = new + 3
        retro = var[row] == "retrospective_edit"
        edited = (days + rng.integers(3, 25, len(days))) * 1440 + 600 if retro else old - 30
        edits.add(
            row=np.full(len(days), row),
            day=days,
            editor=np.full(len(days), people[row]),
            edited=edited,
            edit_type="amend" if retro else "overtime_add",
            field="actual_end",
            old=old,
            new=new,
            delta=h,
        )
        claims.add(
            row=np.full(len(days), row),
            day=days,
            start=old,
            end=new,
            reason="other",
            op=np.full(len(days), None, dtype=object),
            authoriser=np.full(len(days), force.manager[people[row]]),
            status="paid",
            shift=people[row] * D + days,
            submitted=edited + 120,
        )
    # double claims: copy some of the person's own claims
    _double(claims, has["double_claim"], var, asg, people, rng)
    return Overtime(claims, edits)


def _double(
    claims: Parts,
    mask: np.ndarray,
    var: np.ndarray,
    asg: Assignment,
    people: np.ndarray,
    rng: np.random.Generator,
) -> None:
    if not mask.any() or len(claims) == 0:
        return
    cols = {k: claims.get(k) for k in claims.cols}
    sel = np.flatnonzero(mask[cols["row"]])
    take: list[int] = []
    for row in np.unique(cols["row"][sel]):
        mine = sel[cols["row"][sel] == row]
        n = min(len(mine), 2 + int(asg.intensity[people[row]] * 4))
        take.extend(rng.choice(mine, n, replace=False).tolist())
    t = np.sort(np.array(take, dtype=int))
    shift = np.where(var[cols["row"][t]] == "overlapping_claim", rng.integers(15, 60, len(t)), 0)
    claims.add(
        **{k: v[t] for k, v in cols.items() if k not in ("start", "end", "submitted")},
        start=cols["start"][t] + shift,
        end=cols["end"][t] + shift,
        submitted=cols["submitted"][t] + rng.integers(1440, 20 * 1440, len(t)),
    )
