"""The person x day grid of one chunk of staff: rota, leave, sickness, times, attendance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integritas.synth.config import SynthConfig
from integritas.synth.force import Force
from integritas.synth.scenarios import Assignment

REST, EARLY, LATE, NIGHT, DAY, TRAINING, COURT = range(7)
SHIFT_TYPES = np.array(["rest", "early", "late", "night", "day", "training", "court"], dtype=object)
# status codes
WORKED, REST_DAY, ANNUAL_LEAVE, SICK, CANCELLED, TRAIN = range(6)
STATUSES = np.array(
    ["worked", "rest_day", "annual_leave", "sick", "cancelled", "training"], dtype=object
)
START_MIN = np.array([0, 420, 900, 1320, 480, 540, 570])
DURATION = np.array([0, 480, 480, 540, 480, 420, 390])
ROTA10 = np.array([EARLY, EARLY, LATE, LATE, NIGHT, NIGHT, REST, REST, REST, REST])
NIGHTS7 = np.array([NIGHT, NIGHT, NIGHT, NIGHT, REST, REST, REST])


@dataclass
class Grid:
    people: np.ndarray  # global person indices (rows)
    employed: np.ndarray  # [p, d] bool
    code: np.ndarray  # [p, d] shift type code
    status: np.ndarray  # [p, d]
    rs: np.ndarray  # rostered start (abs minutes), -1 none
    re: np.ndarray
    as_: np.ndarray  # actual start, -1 none
    ae: np.ndarray
    attend: np.ndarray  # [p, d] worked at their site (badge) rather than at home
    venue: np.ndarray  # [p, d] the duty was at the major-event venue
    leave_on: np.ndarray  # [p, d] inside a leave block (whether or not rostered)
    sick: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # row, start, length, adjustment
    leave: tuple[np.ndarray, np.ndarray, np.ndarray]  # row, start, length

    @property
    def worked(self) -> np.ndarray:
        return (self.status == WORKED) & self.employed


def _spells(
    rng: np.random.Generator,
    counts: np.ndarray,
    weights: np.ndarray,
    mean_len: float,
    long_p: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spells as (row, start day, length) arrays; start days drawn with day weights[row]."""
    rows = np.repeat(np.arange(len(counts)), counts)
    if len(rows) == 0:
        return rows, rows.copy(), rows.copy()
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(rows))
    start = (
        np.array([np.searchsorted(cdf[r], x) for r, x in zip(rows, u, strict=True)])
        if len(rows) < 50
        else ((cdf[rows] < u[:, None]).sum(axis=1))
    )
    length = 1 + rng.geometric(1 / mean_len, len(rows)) - 1
    long = rng.random(len(rows)) < long_p
    length[long] = rng.integers(14, 60, long.sum())
    return rows, start, length


def build_grid(
    force: Force, asg: Assignment, cfg: SynthConfig, people: np.ndarray, rng: np.random.Generator
) -> Grid:
    D = cfg.days
    P = len(people)
    d = np.arange(D)
    dow = (cfg.start.weekday() + d) % 7
    start = np.datetime64(cfg.start, "D")
    sd = (force.start_date[people] - start).astype(int)
    ld = force.leave_date[people]
    ldi = np.where(np.isnat(ld), D + 1, (ld - start).astype("timedelta64[D]").astype(np.int64))
    employed = (d[None, :] >= sd[:, None]) & (d[None, :] < ldi[:, None])
    rota = force.rota[people]
    off = force.rota_offset[people][:, None]
    code = np.zeros((P, D), dtype=np.int8)
    m = rota == "rota10"
    code[m] = ROTA10[(d[None, :] + off[m]) % 10]
    m = rota == "nights"
    code[m] = NIGHTS7[(d[None, :] + off[m]) % 7]
    m = rota == "neigh"
    wk = ((d[None, :] + off[m]) // 7) % 2
    code[m] = np.where(dow[None, :] < 5, np.where(wk == 0, EARLY, LATE), REST)
    m = rota == "office"
    code[m] = np.where(dow < 5, DAY, REST)[None, :]
    m = rota == "compressed"
    code[m] = np.where(dow < 4, DAY, REST)[None, :]
    m = rota == "part"
    k = np.round(5 * force.fte[people][m]).astype(int)[:, None]
    code[m] = np.where((dow[None, :] < 5) & (((dow[None, :] + off[m]) % 5) < k), DAY, REST)
    rostered = code != REST
    u = rng.random((P, D))
    code[rostered & (u < 0.012)] = TRAINING
    officer = force.officer[people][:, None]
    code[rostered & officer & (u >= 0.012) & (u < 0.017)] = COURT
    status = np.where(code == REST, REST_DAY, np.where(code == TRAINING, TRAIN, WORKED)).astype(
        np.int8
    )
    status[rostered & (u > 0.996)] = CANCELLED
    # annual leave blocks: about 25 working days a year; none for the no-leave scenario
    no_leave = asg.has("no_leave")[people]
    n_blocks = rng.poisson(5.5 * D / 365, P)
    n_blocks[no_leave] = 0
    rows, bstart, blen = _spells(rng, n_blocks, np.ones((P, D)), 6.0, 0.0)
    leave_on = np.zeros((P, D), dtype=bool)
    blen = np.minimum(np.minimum(blen, 12), D - bstart)
    for r, s, ln in zip(rows, bstart, blen, strict=True):
        leave_on[r, s : s + ln] = True
    on_leave = leave_on & rostered
    status[on_leave] = ANNUAL_LEAVE
    # sickness: winter-heavy; rising for the welfare scenario; frequent with adjustments
    doy = (np.datetime64(cfg.start, "D") - np.datetime64(f"{cfg.start.year}-01-01")).astype(int) + d
    season = 1 + 0.5 * np.cos(2 * np.pi * (doy - 15) / 365)
    weights = np.repeat(season[None, :], P, axis=0)
    rate = np.full(P, 1.1)
    ra = asg.has("reasonable_adjustment")[people]
    rising = asg.has("rising_sickness_overtime")[people]
    dsick = asg.has("undeclared_secondary_employment")[people] & (
        asg.variant[people] == "directorship_while_sick"
    )
    rate[ra] = 9.0
    rate[rising] = 7.0
    rate[dsick] = 5.0
    weights[rising] *= (np.linspace(0.05, 1, D) ** 3)[None, :]
    counts = rng.poisson(rate * D / 365)
    counts[rising | dsick] = np.maximum(counts[rising | dsick], 4)
    counts[ra] = np.maximum(counts[ra], 4)
    srow, sstart, slen = _spells(rng, counts, weights, 3.0, 0.03)
    slen = np.minimum(slen, D - sstart)
    for r, s, ln in zip(srow, sstart, slen, strict=True):
        seg = slice(s, s + ln)
        status[r, seg] = np.where(rostered[r, seg], SICK, status[r, seg])
    # times
    base = (d * 1440)[None, :]
    cd = code.astype(int)
    dur = DURATION[cd].copy()
    pt = (rota == "part")[:, None] & (cd == DAY)
    dur = np.where(pt, 360, dur)
    dur = np.where((rota == "compressed")[:, None] & (cd == DAY), 600, dur)
    rs = np.where(rostered & employed, base + START_MIN[cd], -1)
    re_ = np.where(rs >= 0, rs + dur, -1)
    worked = (status == WORKED) & employed
    jitter_s = np.clip(np.round(rng.normal(-4, 5, (P, D))), -20, 15).astype(int)
    jitter_e = np.clip(np.round(rng.gamma(1.2, 8, (P, D))), 0, 90).astype(int)
    as_ = np.where(worked | (status == TRAIN), rs + jitter_s, -1)
    ae = np.where(as_ >= 0, re_ + jitter_e, -1)
    # office attendance (badge) for people with an attendance policy
    hyb = force.hybrid[people]
    p_att = np.where(np.isnan(hyb), 0.97, np.minimum(hyb / 100 + 0.15, 0.98))
    vari = asg.variant[people]
    p_att = np.where(
        asg.has("hybrid_noncompliance")[people],
        np.where(vari == "severe", 0.25, 0.6) * np.nan_to_num(hyb) / 100,
        p_att,
    )
    p_att = np.where(force.exemption[people], 0.12, p_att)
    office_rota = np.isin(rota, ["office", "part", "compressed"])
    p_att = np.where(office_rota, p_att, 0.995)
    attend = worked & (rng.random((P, D)) < p_att[:, None])
    attend |= (status == TRAIN) & employed
    sick = (srow, sstart, slen, ra[srow])
    leave = (rows, bstart, blen)
    venue = np.zeros((P, D), dtype=bool)
    return Grid(
        people, employed, code, status, rs, re_, as_, ae, attend, venue, leave_on, sick, leave
    )
