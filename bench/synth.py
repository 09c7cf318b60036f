"""Benchmark the synthetic force generator: seconds, rows per source, rows/s and peak RSS.

.venv/bin/python bench/synth.py                     # quick: 2,000 staff x 180 days
.venv/bin/python bench/synth.py --staff 50000 --days 365
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=2000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="Keep the output here.")
    args = ap.parse_args()
    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate

    cfg = SynthConfig(staff=args.staff, days=args.days, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "force"
        t0 = time.perf_counter()
        report = generate(cfg, out)
        elapsed = time.perf_counter() - t0
        sizes = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    total = sum(report.rows.values())
    print(f"synthetic force: {args.staff:,d} staff x {args.days} days, seed {args.seed}")
    print(f"{'file':36s} {'rows':>12s} {'MB':>9s}")
    for name, rows in report.rows.items():
        print(f"{name:36s} {rows:>12,d} {sizes.get(name, 0) / 1e6:>9.1f}")
    print(f"{'stage':36s} {'seconds':>12s}")
    for stage, secs in report.seconds.items():
        print(f"{stage:36s} {secs:>12.2f}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"total: {total:,d} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s); "
        f"peak RSS {peak_kb / 1024:,.0f} MB"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
