"""Benchmark: every metric over a synthetic force on DuckDB, against three in pandas.

    .venv/bin/python bench/metrics.py [--staff 5000] [--days 365] [--home DIR]

Synthesises the force, ingests it, then runs all metrics twice (full runs): **cold**, with
the compiled-SQL cache emptied first (every query built and compiled by Ibis), and **warm**
(every query's SQL from the cache the cold run wrote), printing seconds and peak memory.
Then the same three representative metrics: on DuckDB cold (Ibis build + compile + run) and
warm (SQL cached by the full runs, read back from disk as a new process would), and in
pandas, in the same process, with the pandas/DuckDB ratio for each: ``--repeat`` interleaved
runs (default 3), medians printed with every run's ratio, since on a shared machine one run
can move the ratio by a third. Every DuckDB figure includes opening the engine; both sides
include reading the curated data (pandas reads only the columns it needs, as DuckDB does). The values must agree, subject by subject and month by
month, or the ratio means nothing. The pandas code follows the same plan as the metric's
query (the same filters first, the same joins), so the ratio measures the engine, not a plan.

Why these three: the register spends its time on the big event sources, not on the small
ones (at 5,000 staff x 365 days duty_roster has ~1.8M rows, badge_access ~1.7M, it_access
~1.3M, against 74k roster edits or 5k absences, where fixed costs dominate). Each one is the
shape of a whole family:

- ``office_attendance_shortfall_pp`` (attendance): duty_roster working days left-joined to
  the distinct granted badge days of badge_access, per person and month, against the
  person's own hybrid-working policy from hr_master (latest row wins).
- ``it_lookups_no_incident`` (system access): it_access look-ups with no incident
  reference, counted in the 90 days to each month end, as every rolling access metric is.
- ``it_out_of_duty_lookups`` (event inside a shift): it_access against duty_roster, each
  look-up tested against the user's worked shifts (an hour's grace) by the day-bucketed
  equi-join, the uncovered ones counted over 90 days: the costliest join in the register.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from statistics import median
from typing import Any

import pandas as pd
import pyarrow as pa

from integritas.engine.backends import DuckDBEngine
from integritas.ingest.layout import curated_files
from integritas.metrics.compiled import QueryCache
from integritas.metrics.context import MetricContext
from integritas.metrics.families.access import DUTY_GRACE_MINUTES, WINDOW
from integritas.metrics.families.attendance import MIN_WORKING_DAYS, WORKING_STATUSES
from integritas.metrics.registry import METRICS, load_metrics
from integritas.metrics.runner import raw_values, run_metrics
from integritas.settings import Workspace

THREE = ("office_attendance_shortfall_pp", "it_lookups_no_incident", "it_out_of_duty_lookups")

Values = dict[tuple[str, date], float]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _keyed(rows: Iterable[tuple[Any, Any, Any]]) -> Values:
    """(subject, month) -> value, nulls dropped (a null is "no value", as the runner treats it)."""
    out: Values = {}
    for subject, period, value in rows:
        if value is None or pd.isna(value):
            continue
        day = period.date() if isinstance(period, pd.Timestamp) else period
        assert isinstance(day, date)
        out[(str(subject), day)] = float(value)
    return out


def _from_duck(t: pa.Table) -> Values:
    cols = (t.column(c).to_pylist() for c in ("subject_id", "period_start", "value"))
    return _keyed(zip(*cols, strict=True))


def _from_pandas(df: pd.DataFrame) -> Values:
    return _keyed(zip(df.subject_id, df.period_start, df.value, strict=True))


def _close(a: Values, b: Values) -> bool:
    """Same subjects and months, same values up to float summation order."""
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-6 * max(1.0, abs(a[k])) for k in a)


def _read(ws: Workspace, source: str, columns: list[str]) -> pd.DataFrame:
    files = curated_files(ws, source)
    return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)


def _rolling_counts(ev: pd.DataFrame, start: date, end: date, days: int) -> pd.DataFrame:
    """Rows of ``ev`` per person in the ``days`` days to each month end (or the window end):
    ``integritas.metrics.windows.count_in_window``. ``ev`` has ``person_id`` and ``_day``."""
    ev = ev.assign(person_id=ev.person_id.astype("category"))
    parts = []
    last = pd.Timestamp(end)
    for month in pd.period_range(start, end, freq="M"):
        period_end = min(month.end_time.normalize(), last)
        lo = period_end - pd.Timedelta(days=days - 1)
        n = ev.person_id[(ev._day >= lo) & (ev._day <= period_end)].value_counts()
        n = n[n > 0]
        parts.append(
            pd.DataFrame(
                {
                    "subject_id": n.index.astype(str),
                    "period_start": month.start_time,
                    "value": n.to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _office_shortfall(
    roster: pd.DataFrame, ws: Workspace, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """``office_attendance_shortfall_pp``: max(0, policy % - office days / working days %),
    reading only the days of people with a policy (as the DuckDB query does)."""
    hr = _read(
        ws,
        "hr_master",
        ["person_id", "hybrid_policy_pct", "attendance_exemption", "_batch_id", "_row_number"],
    )
    hr = hr[hr.person_id.notna()].sort_values(["_batch_id", "_row_number"])
    hr = hr.drop_duplicates("person_id", keep="last")
    exempt = hr.attendance_exemption.fillna(False).astype(bool)
    hr = hr[hr.hybrid_policy_pct.notna() & ~exempt]
    who = hr.person_id.astype(object)
    r = roster[(roster.shift_date >= start) & (roster.shift_date <= end)]
    r = r[r.status.fillna("").isin(WORKING_STATUSES) & r.person_id.astype(object).isin(who)]
    days = r[["person_id", "shift_date"]].drop_duplicates()
    b = _read(ws, "badge_access", ["person_id", "event_time", "result"])
    bday = b.event_time.dt.normalize()
    keep = (bday >= start) & (bday <= end) & (b.result.fillna("").str.lower() == "granted")
    keep &= b.person_id.astype(object).isin(who)
    office = pd.DataFrame({"person_id": b.person_id[keep], "shift_date": bday[keep]})
    office = office.drop_duplicates().assign(in_office=1)
    d = days.merge(office, on=["person_id", "shift_date"], how="left")
    d = d.assign(
        in_office=d.in_office.fillna(0),
        period_start=d.shift_date.dt.to_period("M").dt.start_time,
    )
    m = d.groupby(["person_id", "period_start"], as_index=False).agg(
        working=("shift_date", "size"), office=("in_office", "sum")
    )
    m = m[m.working >= MIN_WORKING_DAYS]
    m = m.assign(pct=m.office * 100 / m.working)
    m = m.merge(hr[["person_id", "hybrid_policy_pct"]], on="person_id")
    value = (m.hybrid_policy_pct.astype(float) - m.pct).clip(lower=0.0)
    return pd.DataFrame({"subject_id": m.person_id, "period_start": m.period_start, "value": value})


def _out_of_duty(roster: pd.DataFrame, it: pd.DataFrame) -> pd.DataFrame:
    """Look-ups not inside any worked shift of the user, with DUTY_GRACE_MINUTES either side;
    a shift is matched on the day its widened span starts and, when it crosses midnight, the
    day it ends (day-bucketed equi-join)."""
    start = roster.actual_start.fillna(roster.rostered_start)
    end = roster.actual_end.fillna(roster.rostered_end)
    keep = roster.actual_start.notna() & start.notna() & end.notna()
    keep &= roster.person_id.notna()  # SQL nulls never join
    grace = pd.Timedelta(minutes=DUTY_GRACE_MINUTES)
    shifts = pd.DataFrame(
        {"person_id": roster.person_id[keep], "lo": start[keep] - grace, "hi": end[keep] + grace}
    )
    first = shifts.assign(_day=shifts.lo.dt.normalize())
    crossing = shifts[shifts.hi.dt.normalize() != shifts.lo.dt.normalize()]
    buckets = pd.concat([first, crossing.assign(_day=crossing.hi.dt.normalize())])
    events = it[["event_id", "person_id", "event_time", "_day"]]
    j = events.merge(buckets, on=["person_id", "_day"])
    covered = j.event_id[(j.event_time >= j.lo) & (j.event_time <= j.hi)]
    # As object arrays: isin on pandas 3's Arrow-backed strings is ~8x slower here.
    return it[~it.event_id.astype(object).isin(covered.astype(object))]


def pandas_three(ws: Workspace, start: date, end: date) -> dict[str, pd.DataFrame]:
    """The same three metrics, written directly in pandas (columns subject_id, period_start,
    value): same window, filters and joins as their Ibis definitions."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    roster = _read(
        ws,
        "duty_roster",
        [
            "person_id",
            "shift_date",
            "status",
            "rostered_start",
            "rostered_end",
            "actual_start",
            "actual_end",
        ],
    )
    it = _read(ws, "it_access", ["event_id", "person_id", "event_time", "incident_reference"])
    it["_day"] = it.event_time.dt.normalize()
    # Dates in the event timestamps' unit: a merge on mismatched units is ~30x slower.
    roster["shift_date"] = pd.to_datetime(roster.shift_date).astype(it._day.dtype)
    ref = it.incident_reference
    no_ref = ref.isna() | ((ref < "!") & (ref.str.strip() == ""))
    return {
        "office_attendance_shortfall_pp": _office_shortfall(roster, ws, lo, hi),
        "it_lookups_no_incident": _rolling_counts(it[no_ref], start, end, WINDOW),
        "it_out_of_duty_lookups": _rolling_counts(_out_of_duty(roster, it), start, end, WINDOW),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--home", type=Path, default=None, help="Reuse/keep this workspace.")
    ap.add_argument(
        "--repeat", type=int, default=3, help="Interleaved runs of the three-metric comparison."
    )
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="integritas-bench-"))
    home = args.home or root / "home"
    cli = str(Path(sys.executable).parent / "integritas")
    if not (home / "batches").exists() or not any((home / "batches").iterdir()):
        t = time.perf_counter()
        subprocess.run(
            [
                cli,
                "synth",
                "--staff",
                str(args.staff),
                "--days",
                str(args.days),
                "--seed",
                "11",
                "--out",
                str(root / "synth"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [cli, "--home", str(home), "ingest", str(root / "synth")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"synth + ingest {args.staff} staff x {args.days} days: {time.perf_counter() - t:.1f} s"
        )
    ws = Workspace.from_settings(home)
    n = len(load_metrics())
    shutil.rmtree(QueryCache(ws).folder, ignore_errors=True)
    for label in ("cold", "warm"):
        t, cpu = time.perf_counter(), time.process_time()
        report = run_metrics(ws, full=True)
        all_s, all_cpu = time.perf_counter() - t, time.process_time() - cpu
        rows = sum(r.rows for r in report.runs)
        print(
            f"all {n} metrics on DuckDB, {label} ({report.compiled_misses} queries compiled, "
            f"{report.compiled_hits} from cache): {all_s:.1f} s (CPU {all_cpu:.1f} s), "
            f"{rows} values, {len(report.failed)} failed, peak RSS {_peak_mb():.0f} MB"
        )
    start, end = report.start, report.end
    duck: dict[str, dict[str, pa.Table]] = {}
    secs: dict[str, list[float]] = {"cold": [], "warm": [], "pandas": []}
    cpus: dict[str, list[float]] = {"cold": [], "warm": [], "pandas": []}
    for _ in range(args.repeat):  # interleaved, so that a change of load hits every side
        for label in ("cold", "warm"):
            t, cpu = time.perf_counter(), time.process_time()
            eng = DuckDBEngine(ws).open()
            cache = QueryCache(ws, enabled=label == "warm")
            ctx = MetricContext(eng.backend, start, end)
            duck[label] = {name: raw_values(cache, eng, METRICS[name], ctx) for name in THREE}
            secs[label].append(time.perf_counter() - t)
            cpus[label].append(time.process_time() - cpu)
            assert cache.hits == (len(THREE) if label == "warm" else 0)
            eng.close()
        t, cpu = time.perf_counter(), time.process_time()
        theirs = pandas_three(ws, start, end)
        secs["pandas"].append(time.perf_counter() - t)
        cpus["pandas"].append(time.process_time() - cpu)
    for name in THREE:  # the comparison is only fair if all compute the same thing
        warm, cold = _from_duck(duck["warm"][name]), _from_duck(duck["cold"][name])
        same = _close(warm, cold) and _close(warm, _from_pandas(theirs[name]))
        print(
            f"  {name}: {len(warm)} values; DuckDB (cold, warm) and pandas "
            f"{'agree' if same else 'DIFFER'}"
        )
    pandas_s = median(secs["pandas"])
    print(
        f"three metrics ({', '.join(THREE)}), median of {args.repeat} interleaved runs: "
        f"pandas {pandas_s:.2f} s (CPU {median(cpus['pandas']):.2f} s)"
    )
    for label in ("cold", "warm"):
        each = ", ".join(f"{p / d:.1f}x" for p, d in zip(secs["pandas"], secs[label], strict=True))
        print(
            f"  DuckDB {label}: {median(secs[label]):.2f} s (CPU {median(cpus[label]):.2f} s), "
            f"pandas/DuckDB = {pandas_s / median(secs[label]):.1f}x (runs: {each})"
        )
    print(f"peak RSS {_peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
