"""Score detection on a synthetic force the rules were not tuned on, next to two baselines.

.venv/bin/python bench/detection.py                          # 5,000 staff x 365 days, seed 2027
.venv/bin/python bench/detection.py --staff 1000 --days 180  # quicker
.venv/bin/python bench/detection.py --home DIR --reuse       # rerun metrics -> detect -> evaluate

Pipeline: synth -> ingest -> linkage (the clerical review is stood in for by an oracle that
reads linkage_truth.csv, recorded as `evaluation-oracle`) -> metrics -> detect -> evaluate.
Prints seconds per stage, peak memory and the evaluation table (per-scenario recall,
tertiary precision, benign false-positive rate, secondary precision@k) for Integritas, a
fixed-count baseline and a unit-only z-score baseline.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=2027, help="Not a seed used by any test.")
    ap.add_argument("--home", type=Path, default=None, help="Keep the workspace here.")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="--home already holds an ingested, linked workspace: skip synth, ingest and "
        "linkage; recompute every metric, then detect and evaluate.",
    )
    args = ap.parse_args()
    if args.reuse and (args.home is None or not (args.home / "exports").is_dir()):
        raise SystemExit("--reuse needs --home DIR holding a workspace built by this bench")

    from integritas.catalog.models import SourceKind
    from integritas.catalog.registry import catalog
    from integritas.detect.evaluation import render_table
    from integritas.detect.scoring import evaluate_workspace
    from integritas.detect.service import run_detection
    from integritas.ingest.service import ingest_path
    from integritas.linkage.engine import run_linkage
    from integritas.linkage.truth import accept_from_truth
    from integritas.metrics.runner import run_metrics
    from integritas.settings import Workspace
    from integritas.store.migrate import upgrade
    from integritas.store.session import workspace_engine, workspace_sessions
    from integritas.synth.config import SynthConfig
    from integritas.synth.service import generate

    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        ws = Workspace(home)
        exports = home / "exports"
        timings: dict[str, float] = {}

        def stage(name: str, fn: object) -> object:
            t0 = time.perf_counter()
            result = fn()  # type: ignore[operator]
            timings[name] = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{name:<12} {timings[name]:8.1f} s   peak RSS so far {peak:,.0f} MB", flush=True)
            return result

        if not args.reuse:
            cfg = SynthConfig(staff=args.staff, days=args.days, seed=args.seed)
            stage("synth", lambda: generate(cfg, exports))
            ingested = stage("ingest", lambda: ingest_path(ws, exports))
            bad = [r for r in ingested.results if r.status in ("failed", "rejected")]  # type: ignore[attr-defined]
            if bad:
                raise SystemExit(f"ingest did not complete: {[(r.file, r.message) for r in bad]}")
            upgrade(workspace_engine(ws, check=False))
            registries = [n for n, s in catalog().items() if s.kind is SourceKind.REGISTRY]

            def link() -> None:
                for name in registries:
                    run_linkage(ws, name)
                with workspace_sessions(ws).begin() as session:
                    accept_from_truth(ws, session, exports / "linkage_truth.csv")

            stage("linkage", link)
        stage("metrics", lambda: run_metrics(ws, full=args.reuse))
        stage("detect", lambda: run_detection(ws))
        scores = evaluate_workspace(ws, exports / "ground_truth.csv")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        what = (
            f"workspace {home} (reused)"
            if args.reuse
            else (f"{args.staff:,} staff x {args.days} days, seed {args.seed}")
        )
        print(f"\n{what}: {sum(timings.values()):.0f} s in all, peak RSS {peak_mb:,.0f} MB\n")
        print(render_table(scores))


if __name__ == "__main__":
    main()
