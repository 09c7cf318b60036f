"""Audit-log benchmark: events per second appended and verified, SQLite and PostgreSQL.

.venv/bin/python bench/audit.py                    # 5,000 events per mode
.venv/bin/python bench/audit.py --events 20000 --backends sqlite

Modes: one event per transaction (like a web request), 100 events per transaction (a list
view logging many reads), and 8 threads appending one event per transaction at once.
Verification walks the whole chain (hashes, links, head and signed checkpoints).
PostgreSQL is at 127.0.0.1:5432 (db ``test``); it is skipped with the reason when down.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

KEY = b"bench-key-bench-key-bench-key-32"


def _append(sessions: sessionmaker[Session], n: int, per_txn: int, writer: int = 0) -> None:
    from integritas.audit.service import append

    done = 0
    while done < n:
        with sessions.begin() as s:
            for _ in range(min(per_txn, n - done)):
                append(
                    s,
                    actor=f"bench{writer}",
                    role="analyst",
                    action="flag.list",
                    subjects=[f"P-{done:06d}"],
                    returned={"row": done},
                    checkpoint_key=KEY,
                )
                done += 1


def bench_backend(backend: str, events: int, writers: int) -> list[tuple[str, int, float]]:
    from integritas.audit.verify import verify
    from integritas.store.session import session_factory
    from integritas.store.testing import temporary_store

    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp, temporary_store(backend, Path(tmp)) as engine:
        sessions = session_factory(engine)
        t = time.perf_counter()
        _append(sessions, events, 1)
        rows.append(("append, 1 event/transaction", events, time.perf_counter() - t))
        t = time.perf_counter()
        _append(sessions, events, 100)
        rows.append(("append, 100 events/transaction", events, time.perf_counter() - t))
        each = events // writers
        t = time.perf_counter()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(lambda w: _append(sessions, each, 1, w), range(writers)))
        rows.append((f"append, {writers} threads at once", each * writers, time.perf_counter() - t))
        total = 2 * events + each * writers
        t = time.perf_counter()
        with sessions() as s:
            report = verify(s, key=KEY)
        rows.append(("verify whole chain", report.events, time.perf_counter() - t))
        if not report.ok or report.events < total:
            raise SystemExit(f"{backend}: chain invalid after the benchmark: {report.findings[:3]}")
        rows.append((f"  (checkpoints: {report.checkpoints})", 0, 0.0))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args(argv)
    from integritas.store.testing import postgres_unavailable

    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := postgres_unavailable()):
            print(f"postgres: skipped ({reason})")
            continue
        print(f"== {backend}")
        for label, n, secs in bench_backend(backend, args.events, args.writers):
            if n == 0:
                print(label)
                continue
            print(f"{label:<36} {n:>7,} events {secs:7.2f}s {n / secs:>10,.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
