"""Badge swipes and device pings that follow from where people actually were."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from integritas.synth.arrow import ids, minutes_to_ts, take
from integritas.synth.config import SynthConfig
from integritas.synth.force import Force
from integritas.synth.grid import TRAIN, Grid

M_PER_DEG_LAT = 111_000.0


def _duty_cells(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    on = (grid.worked | (grid.status == TRAIN)) & (grid.as_ >= 0)
    r, d = np.nonzero(on)
    return r, d


def badge_table(
    force: Force, cfg: SynthConfig, grid: Grid, rng: np.random.Generator, id_base: int
) -> pa.Table:
    r, d = np.nonzero(grid.attend & (grid.as_ >= 0))
    n = len(r)
    site = np.where(grid.venue[r, d], len(force.sites) - 1, force.site[grid.people[r]])
    t_in = grid.as_[r, d] - rng.integers(2, 25, n)
    t_out = grid.ae[r, d] + rng.integers(0, 9, n)
    keep_out = rng.random(n) >= cfg.missing_swipe_out
    denied = rng.random(n) < 0.004
    person = np.concatenate([r, r[keep_out], r[denied]])
    sites = np.concatenate([site, site[keep_out], site[denied]])
    times = np.concatenate([t_in, t_out[keep_out], t_in[denied] - rng.integers(1, 5, denied.sum())])
    direction = np.concatenate(
        [np.zeros(n, int), np.ones(keep_out.sum(), int), np.zeros(denied.sum(), int)]
    )
    result = np.concatenate([np.zeros(n + keep_out.sum(), int), np.ones(denied.sum(), int)])
    order = np.lexsort((times, person))
    person, sites, times, direction, result = (
        a[order] for a in (person, sites, times, direction, result)
    )
    codes = np.array([s.code for s in force.sites], dtype=object)
    reader = (codes[sites] + "-R" + rng.integers(1, 5, len(sites)).astype(str)).astype(object)
    return pa.table(
        {
            "event_id": ids("BA", id_base + np.arange(len(person)), 10),
            "staff_number": take(force.staff_number, grid.people[person]),
            "site_code": pa.array(codes[sites], pa.string()),
            "reader_id": pa.array(reader, pa.string()),
            "event_time": minutes_to_ts(cfg.start, times),
            "direction": take(np.array(["in", "out"], dtype=object), direction),
            "result": take(np.array(["granted", "denied"], dtype=object), result),
        }
    )


def _expand(start: np.ndarray, end: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """For each window, the times start, start+step, ... <= end; returns (window index, time)."""
    counts = np.maximum((end - start) // step + 1, 0)
    win = np.repeat(np.arange(len(start)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(counts.sum()) - first
    return win, start[win] + k * step


def ping_table(
    force: Force, cfg: SynthConfig, grid: Grid, rng: np.random.Generator, id_base: int
) -> pa.Table:
    holders = force.device[grid.people]
    D = grid.code.shape[1]
    r, d = _duty_cells(grid)
    sel = holders[r]
    r, d = r[sel], d[sel]
    ws, we = grid.as_[r, d] - 60, grid.ae[r, d] + 60
    win, t = _expand(ws, we, cfg.ping_minutes)
    t = t + rng.integers(0, 3, len(t))
    pr, pd = r[win], d[win]
    at_site = grid.attend[pr, pd] & (t >= grid.as_[pr, pd]) & (t <= grid.ae[pr, pd])
    site = np.where(grid.venue[pr, pd], len(force.sites) - 1, force.site[grid.people[pr]])
    # around the clock, away from duty: a coarser grid with any point inside a duty dropped
    hr = np.flatnonzero(holders)
    step = cfg.offduty_ping_minutes
    per_day = 1440 // step
    cells_r = np.repeat(hr, D * per_day)
    cells_t = np.tile(np.arange(D * per_day) * step, len(hr)) + rng.integers(0, step, len(cells_r))
    cd = np.minimum(cells_t // 1440, D - 1)
    inside = np.zeros(len(cells_r), dtype=bool)
    for back in (0, 1):
        dd = np.maximum(cd - back, 0)
        on = (grid.as_[cells_r, dd] >= 0) & (holders[cells_r])
        inside |= (
            on & (cells_t >= grid.as_[cells_r, dd] - 60) & (cells_t <= grid.ae[cells_r, dd] + 60)
        )
    keep = ~inside & grid.employed[cells_r, cd]
    cells_r, cells_t = cells_r[keep], cells_t[keep]
    rows = np.concatenate([pr, cells_r])
    times = np.concatenate([t, cells_t])
    on_site = np.concatenate([at_site, np.zeros(len(cells_r), bool)])
    sites = np.concatenate([site, np.zeros(len(cells_r), int)])
    order = np.lexsort((times, rows))
    rows, times, on_site, sites = rows[order], times[order], on_site[order], sites[order]
    g = grid.people[rows]
    slat = np.array([s.lat for s in force.sites])[sites]
    slon = np.array([s.lon for s in force.sites])[sites]
    jit = rng.normal(0, 1, (2, len(rows)))
    lat = np.where(
        on_site,
        slat + jit[0] * 40 / M_PER_DEG_LAT,
        force.home_lat[g] + jit[0] * 150 / M_PER_DEG_LAT,
    )
    lon = np.where(
        on_site,
        slon + jit[1] * 60 / M_PER_DEG_LAT,
        force.home_lon[g] + jit[1] * 220 / M_PER_DEG_LAT,
    )
    return pa.table(
        {
            "ping_id": ids("PG", id_base + np.arange(len(rows)), 11),
            "staff_number": take(force.staff_number, g),
            "device_id": ids("DEV", g, 6),
            "ping_time": minutes_to_ts(cfg.start, times),
            "latitude": pa.array(np.round(lat, 6)),
            "longitude": pa.array(np.round(lon, 6)),
            "battery_level": pa.array(rng.integers(5, 101, len(rows)).astype(np.int16)),
        }
    )
