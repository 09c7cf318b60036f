"""Linkage benchmark: synthetic staff + registry with known truth; precision, recall, F1, time.

.venv/bin/python bench/linkage.py                 # 5,000 staff x 200,000 registry
.venv/bin/python bench/linkage.py --small         # 1,000 x 20,000
.venv/bin/python bench/linkage.py --staff 50000 --registry 5000000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=5_000)
    parser.add_argument("--registry", type=int, default=200_000)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args(argv)
    if args.small:
        args.staff, args.registry = 1_000, 20_000
    import duckdb

    from integritas.linkage.engine import DEFAULT_THRESHOLD, train_and_predict
    from integritas.linkage.standardise import register_nicknames, registry_table, staff_table
    from integritas.linkage.synthetic import generate

    threshold = args.threshold or DEFAULT_THRESHOLD
    t0 = time.perf_counter()
    staff, registry, truth = generate(args.staff, args.registry)
    t_gen = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        sp, rp = Path(tmp) / "staff.parquet", Path(tmp) / "registry.parquet"
        pq.write_table(staff, sp)
        pq.write_table(registry, rp)
        del staff, registry
        t1 = time.perf_counter()
        con = duckdb.connect()
        register_nicknames(con)
        staff_table(con, [sp])
        registry_table(con, [rp])
        preds, _ = train_and_predict(con, floor=threshold)
        elapsed = time.perf_counter() - t1
    pairs = preds.select(["unique_id_l", "unique_id_r", "match_probability"]).to_pylist()
    # One registry entry is one person: keep each record's best-scoring member of staff.
    best: dict[str, tuple[float, str]] = {}
    for p in pairs:
        if p["match_probability"] >= threshold:
            cur = best.get(p["unique_id_r"])
            if cur is None or p["match_probability"] > cur[0]:
                best[p["unique_id_r"]] = (p["match_probability"], p["unique_id_l"])
    found = {(pid, rid) for rid, (_, pid) in best.items()}
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"staff={args.staff:,} registry={args.registry:,} true_links={len(truth):,} threshold={threshold}"
    )
    print(
        f"precision={precision:.4f} recall={recall:.4f} f1={f1:.4f} (tp={tp}, predicted={len(found)})"
    )
    print(
        f"generate={t_gen:.1f}s link={elapsed:.1f}s ({args.registry / elapsed:,.0f} registry rows/s) peak_rss={peak_mb:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
