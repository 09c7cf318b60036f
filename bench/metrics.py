"""Benchmark: every metric over a synthetic force on DuckDB, against three in pandas.

    .venv/bin/python bench/metrics.py [--staff 5000] [--days 365] [--home DIR]

Synthesises the force, ingests it, then runs all metrics twice (full runs): **cold**, with
the compiled-SQL cache emptied first (every query built and compiled by Ibis), and **warm**
(every query's SQL from the cache the cold run wrote), printing seconds and peak memory.
Then the same three representative metrics: on DuckDB cold (Ibis build + compile + run) and
warm (SQL cached by the full runs, read back from disk as a new process would), and in
pandas, in the same process, with the pandas/DuckDB ratio for each. Every DuckDB figure
includes opening the engine; both sides include reading the curated data.
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

import pandas as pd
import pyarrow as pa

from integritas.engine.backends import DuckDBEngine
from integritas.ingest.layout import curated_files
from integritas.metrics.compiled import QueryCache
from integritas.metrics.context import MetricContext
from integritas.metrics.registry import METRICS, load_metrics
from integritas.metrics.runner import raw_values, run_metrics
from integritas.settings import Workspace

THREE = ("roster_self_edits", "unit_overtime_hours_per_fte", "unit_sickness_absence_rate")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _nonzero(values: Iterable[float | None]) -> list[float]:
    return sorted(v for v in values if v)


def _close(a: list[float], b: list[float]) -> bool:
    """Same values up to float summation order (parallel sums differ in the last bits)."""
    return len(a) == len(b) and all(
        abs(x - y) <= 1e-6 * max(1.0, abs(x)) for x, y in zip(a, b, strict=True)
    )


def _read(ws: Workspace, source: str) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in curated_files(ws, source)], ignore_index=True)


def pandas_three(ws: Workspace, start: date, end: date) -> dict[str, pd.DataFrame]:
    """The same three metrics, written directly in pandas."""
    out: dict[str, pd.DataFrame] = {}
    ra = _read(ws, "roster_audit")
    ra = ra[(ra.person_id == ra.subject_person_id)]
    ra = ra[(ra.edited_at.dt.date >= start) & (ra.edited_at.dt.date <= end)]
    ra = ra.assign(period_start=ra.edited_at.dt.to_period("M").dt.start_time)
    out["roster_self_edits"] = ra.groupby(["person_id", "period_start"]).size().reset_index()
    hr = _read(ws, "hr_master")
    hr = hr.sort_values("_batch_id").drop_duplicates("person_id", keep="last")
    months = pd.period_range(start, end, freq="M")
    cal = pd.DataFrame(
        {"period_start": months.start_time, "period_end": months.end_time.normalize()}
    )
    act = hr.merge(cal, how="cross")
    sd = pd.to_datetime(act.start_date)
    ld = pd.to_datetime(act.leave_date)
    act = act[(sd.isna() | (sd <= act.period_end)) & (ld.isna() | (ld >= act.period_start))]
    base = act.groupby(["unit_id", "period_start"]).agg(
        n=("person_id", "size"), fte=("fte", lambda s: s.fillna(1).sum())
    )
    ot = _read(ws, "overtime_claims")
    ot = ot[ot.status != "rejected"]
    ot = ot.assign(period_start=pd.to_datetime(ot.work_date).dt.to_period("M").dt.start_time)
    ot = ot.merge(
        act[["person_id", "unit_id", "period_start"]],
        on=["person_id", "period_start"],
        suffixes=("_c", ""),
    )
    hours = ot.groupby(["unit_id", "period_start"]).hours.sum()
    out["unit_overtime_hours_per_fte"] = (
        hours.reindex(base.index, fill_value=0) / base.fte
    ).reset_index()
    ab = _read(ws, "absence")
    ab = ab[ab.absence_type == "sickness"]
    j = ab.merge(act[["person_id", "unit_id", "period_start", "period_end"]], on="person_id")
    lo = pd.concat([pd.to_datetime(j.start_date), j.period_start], axis=1).max(axis=1)
    hi = pd.concat([pd.to_datetime(j.end_date).fillna(j.period_end), j.period_end], axis=1).min(
        axis=1
    )
    j = j.assign(days=((hi - lo).dt.days + 1).clip(lower=0))
    days = j.groupby(["unit_id", "period_start"]).days.sum().reindex(base.index, fill_value=0)
    month_days = base.index.get_level_values("period_start").days_in_month
    out["unit_sickness_absence_rate"] = (days / (base.n * month_days) * 100).reset_index()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--home", type=Path, default=None, help="Reuse/keep this workspace.")
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
    duck_s: dict[str, float] = {}
    duck_cpu: dict[str, float] = {}
    for label in ("cold", "warm"):
        t, cpu = time.perf_counter(), time.process_time()
        eng = DuckDBEngine(ws).open()
        cache = QueryCache(ws, enabled=label == "warm")
        ctx = MetricContext(eng.backend, start, end)
        duck[label] = {name: raw_values(cache, eng, METRICS[name], ctx) for name in THREE}
        duck_s[label], duck_cpu[label] = time.perf_counter() - t, time.process_time() - cpu
        assert cache.hits == (len(THREE) if label == "warm" else 0)
        eng.close()
    t, cpu = time.perf_counter(), time.process_time()
    theirs = pandas_three(ws, start, end)
    pandas_s, pandas_cpu = time.perf_counter() - t, time.process_time() - cpu
    for name in THREE:  # the comparison is only fair if all compute the same thing
        warm = _nonzero(duck["warm"][name].column("value").to_pylist())
        cold = _nonzero(duck["cold"][name].column("value").to_pylist())
        b = _nonzero(float(v) for v in theirs[name].iloc[:, -1] if pd.notna(v))
        same = _close(warm, cold) and _close(warm, b)
        print(
            f"  {name}: {len(warm)} non-zero values; DuckDB (cold, warm) and pandas "
            f"{'agree' if same else 'DIFFER'}"
        )
    print(f"three metrics ({', '.join(THREE)}): pandas {pandas_s:.2f} s (CPU {pandas_cpu:.2f} s)")
    for label in ("cold", "warm"):
        print(
            f"  DuckDB {label}: {duck_s[label]:.2f} s (CPU {duck_cpu[label]:.2f} s), "
            f"pandas/DuckDB = {pandas_s / duck_s[label]:.1f}x"
        )
    print(f"peak RSS {_peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
