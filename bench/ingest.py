"""Ingest throughput vs a plain DuckDB read of the same file (the ratio is the figure).

    .venv/bin/python bench/ingest.py             # 10M rows (several minutes, ~1.5 GB disk)
    .venv/bin/python bench/ingest.py --rows 200000

A third row copies the same file to Parquet with ingest's writer options and nothing else:
the floor under any ingest that writes Parquet (no validation, pseudonyms or lineage).

Then a SQL source (``--sql-rows``, default 1M; 0 skips it): the same shape in a SQLite table,
``ingest_sql`` against a plain SQLAlchemy ``fetchall()`` of the same query, with peak RSS:
the rows are streamed into DuckDB in chunks, so memory stays flat as the table grows.

Each measurement runs in its own child process so that peak RSS is its own, ``--repeat``
times (default 3) interleaved with the others; the medians are printed, with each run's
ratio. The ratio is of wall-clock seconds; CPU seconds (all threads) are printed too, because
on a shared machine the wall clock of a parallel read swings with the load while the CPU it
spends does not.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """badge_access's declared shape; staff numbers drawn from a pool of ~50k."""
    import duckdb

    csv = folder / "badge_access.csv"
    pq = folder / "badge_access.parquet"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""
        CREATE TABLE g AS SELECT
            'E' || i AS event_id,
            'SN' || lpad(CAST(hash(i) % 50000 AS VARCHAR), 6, '0') AS staff_number,
            'SITE' || (i % 40) AS site_code,
            'R' || (i % 400) AS reader_id,
            TIMESTAMP '2024-01-01' + to_seconds(CAST(i * 3 AS BIGINT)) AS event_time,
            CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END AS direction,
            CASE WHEN i % 97 = 0 THEN 'denied' ELSE 'granted' END AS result
        FROM range({rows}) t(i)
        """
    )
    con.execute(f"COPY g TO '{csv}' (HEADER true)")
    con.execute(f"COPY g TO '{pq}' (FORMAT parquet)")
    con.close()
    return csv, pq


def generate_sqlite(folder: Path, rows: int) -> Path:
    """badge_access's shape (the generator's rows) in a SQLite table ``badge``."""
    import sqlite3

    import duckdb

    db = folder / "badge_access.sqlite"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    cur = con.execute(
        f"""
        SELECT 'E' || i, 'SN' || lpad(CAST(hash(i) % 50000 AS VARCHAR), 6, '0'),
            'SITE' || (i % 40), 'R' || (i % 400),
            strftime(TIMESTAMP '2024-01-01' + to_seconds(CAST(i * 3 AS BIGINT)), '%Y-%m-%d %H:%M:%S'),
            CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END,
            CASE WHEN i % 97 = 0 THEN 'denied' ELSE 'granted' END
        FROM range({rows}) t(i)
        """
    )
    with sqlite3.connect(db) as lite:
        lite.execute(
            "CREATE TABLE badge (event_id, staff_number, site_code, reader_id, event_time, "
            "direction, result)"
        )
        while chunk := cur.fetchmany(100_000):
            lite.executemany("INSERT INTO badge VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
    return db


SQL_QUERY = "SELECT * FROM badge"


def _plain_sql(db: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = len(conn.execute(sa.text(SQL_QUERY)).fetchall())
    engine.dispose()
    return n


def _ingest_sql(db: str, home: str) -> int:
    from integritas.ingest.service import ingest_sql
    from integritas.settings import Workspace

    ws = Workspace.from_settings(Path(home))
    report = ingest_sql(ws, f"sqlite:///{db}", SQL_QUERY, source="badge_access")
    r = report.results[0]
    if r.status != "committed":
        raise SystemExit(f"ingest did not commit: {r}")
    return r.rows_loaded


def _plain(path: str) -> int:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    reader = "read_csv" if path.endswith(".csv") else "read_parquet"
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")
    row = con.execute("SELECT count(*) FROM t").fetchone()
    return int(row[0]) if row else 0


# ingest's Parquet writer options (integritas.ingest.batch.PARQUET, checked after the runs:
# importing integritas here would put its import time into the floor).
WRITER = "FORMAT parquet, DICTIONARY_SIZE_LIMIT 4096"


def _rewrite(path: str, home: str) -> int:
    """The floor under any ingest: the same rows copied to Parquet with ingest's writer
    options, nothing else (no validation, pseudonyms or lineage)."""
    import duckdb

    Path(home).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    reader = "read_csv" if path.endswith(".csv") else "read_parquet"
    row = con.execute(
        f"COPY (SELECT * FROM {reader}('{path}')) TO '{home}/copy.parquet' ({WRITER})"
    ).fetchone()
    return int(row[0]) if row else 0


def _ingest(path: str, home: str) -> int:
    from integritas.ingest.service import ingest_path
    from integritas.settings import Workspace

    report = ingest_path(Workspace.from_settings(Path(home)), Path(path), source="badge_access")
    r = report.results[0]
    if r.status != "committed":
        raise SystemExit(f"ingest did not commit: {r}")
    return r.rows_loaded


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _child(q: mp.Queue, fn: Callable[..., int], args: tuple[str, ...]) -> None:
    t0, c0 = time.perf_counter(), _cpu()
    n = fn(*args)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    q.put((n, secs, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(fn: Callable[..., int], *args: str) -> tuple[int, float, float, float]:
    ctx = mp.get_context("fork")
    q: mp.Queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(q, fn, args))
    p.start()
    result = q.get()
    p.join()
    return result  # type: ignore[no-any-return]


def _median(runs: list[tuple[int, float, float, float]]) -> tuple[int, float, float, float]:
    """Rows of the first run; median seconds, CPU seconds and peak RSS over the runs."""
    return (
        runs[0][0],
        median(r[1] for r in runs),
        median(r[2] for r in runs),
        median(r[3] for r in runs),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="Interleaved runs of each row.")
    ap.add_argument("--sql-rows", type=int, default=1_000_000, help="Rows of the SQL source.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        csv, pq = generate(folder, args.rows)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f} s "
            f"(csv {csv.stat().st_size / 1e6:.0f} MB, parquet {pq.stat().st_size / 1e6:.0f} MB)"
        )
        head = (
            f"{'what':<28}{'rows':>12}{'seconds':>10}{'rows/s':>14}{'cpu s':>8}{'peak RSS MB':>13}"
        )
        print(head)
        for label, path in (("CSV", csv), ("Parquet", pq)):
            runs: dict[str, list[tuple[int, float, float, float]]] = {}
            for _ in range(args.repeat):  # interleaved: a change of load hits every row
                runs.setdefault("plain duckdb", []).append(measure(_plain, str(path)))
                home = folder / f"home-{label}"
                runs.setdefault("ingest_path", []).append(measure(_ingest, str(path), str(home)))
                copy = folder / f"copy-{label}"
                runs.setdefault("copy to parquet", []).append(
                    measure(_rewrite, str(path), str(copy))
                )
                shutil.rmtree(home)  # the next run ingests afresh (not a no-op) on free disk
                shutil.rmtree(copy)
            med = {what: _median(r) for what, r in runs.items()}
            for what, (n, s, c, m) in med.items():
                print(
                    f"{what + ' ' + label:<28}{n:>12,}{s:>10.2f}{n / s:>14,.0f}{c:>8.2f}{m:>13.0f}"
                )
            for what, row in (("ratio", "ingest_path"), ("floor", "copy to parquet")):
                kind = "ingest" if what == "ratio" else "copy"
                each = ", ".join(
                    f"{r[1] / p[1]:.2f}x"
                    for r, p in zip(runs[row], runs["plain duckdb"], strict=True)
                )
                print(
                    f"{f'{what} {label} ({kind}/plain)':<28}{'':>12}"
                    f"{med[row][1] / med['plain duckdb'][1]:>10.2f}x"
                    f"{'':>14}{med[row][2] / med['plain duckdb'][2]:>7.2f}x   runs: {each}"
                )
        if args.sql_rows:
            _bench_sql(folder, args.sql_rows, args.repeat)
    from integritas.ingest.batch import PARQUET

    if PARQUET != WRITER:
        raise SystemExit(f"bench WRITER {WRITER!r} differs from ingest's {PARQUET!r}")


def _bench_sql(folder: Path, rows: int, repeat: int) -> None:
    t0 = time.perf_counter()
    db = generate_sqlite(folder, rows)
    print(f"sqlite table of {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    runs: dict[str, list[tuple[int, float, float, float]]] = {}
    for _ in range(repeat):
        runs.setdefault("sqlalchemy fetchall", []).append(measure(_plain_sql, str(db)))
        home = folder / "home-sql"
        runs.setdefault("ingest_sql", []).append(measure(_ingest_sql, str(db), str(home)))
        shutil.rmtree(home)
    med = {what: _median(r) for what, r in runs.items()}
    for what, (n, s, c, m) in med.items():
        print(f"{what + ' SQL':<28}{n:>12,}{s:>10.2f}{n / s:>14,.0f}{c:>8.2f}{m:>13.0f}")
    each = ", ".join(
        f"{r[1] / p[1]:.2f}x"
        for r, p in zip(runs["ingest_sql"], runs["sqlalchemy fetchall"], strict=True)
    )
    ratio = med["ingest_sql"][1] / med["sqlalchemy fetchall"][1]
    print(f"{'ratio SQL (ingest/fetchall)':<28}{'':>12}{ratio:>10.2f}x{'':>14}   runs: {each}")


if __name__ == "__main__":
    main()
