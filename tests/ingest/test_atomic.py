"""Atomic batches: kill mid-write and the prior state is intact; identical re-ingest is a no-op."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from integritas.ingest.batch import TEST_SLEEP_ENV
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.service import cleanup_leftovers, ingest_path, list_batches
from integritas.settings import Workspace

SCRIPT = """
import sys
from pathlib import Path
from integritas.ingest.service import ingest_path
from integritas.settings import Workspace
ingest_path(Workspace.from_settings(Path(sys.argv[1])), Path(sys.argv[2]), source="badge_access")
"""


def test_identical_reingest_is_noop(ws: Workspace, badge_csv, strict) -> None:
    first = ingest_path(ws, badge_csv(), settings=strict).results[0]
    again = ingest_path(ws, badge_csv(), settings=strict).results[0]
    assert again.status == "no-op" and again.batch_id == first.batch_id
    assert f"already ingested as batch {first.batch_id}" in again.message
    assert len(list_batches(ws)) == 1


def test_leftovers_of_uncommitted_batches_are_removed(ws: Workspace, badge_csv, strict) -> None:
    ingest_path(ws, badge_csv(), settings=strict)
    stray = ws.curated / "badge_access" / "B-20990101-000000-deadbeef.parquet"
    tmp = ws.curated / "badge_access" / ".B-x.parquet.tmp"
    stray.write_bytes(b"half")
    tmp.write_bytes(b"half")
    removed = cleanup_leftovers(ws)
    assert set(removed) == {stray, tmp}
    assert len(curated_files(ws, "badge_access")) == 1


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.9, 1.3, 1.7, 2.1, 2.5])
def test_kill_mid_write_leaves_prior_state(
    ws: Workspace, badge_csv, kit, strict, kill_after: float
) -> None:
    ingest_path(ws, badge_csv(), settings=strict)
    before = {p: p.read_bytes() for p in curated_files(ws, "badge_access")}
    batches = [m["batch_id"] for m in manifests(ws)]
    second = badge_csv(kit.rows(50, start=100), name="second.csv")
    env = dict(os.environ, **{TEST_SLEEP_ENV: "0.4"})
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(ws.home), str(second)], env=env)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = [m["batch_id"] for m in manifests(ws)]
    if committed == batches:  # killed before the manifest: nothing new is visible
        assert {p: p.read_bytes() for p in curated_files(ws, "badge_access")} == before
    else:  # the manifest landed first: the whole batch is there
        assert len(committed) == 2
    files = [str(f) for f in curated_files(ws, "badge_access")]
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
    assert n is not None and n[0] in (5, 55)
    # the next run tidies up and can ingest the file properly
    report = ingest_path(ws, Path(second), source="badge_access", settings=strict)
    assert report.exit_code == 0
    stray = [
        p
        for p in ws.curated.rglob("*")
        if p.is_file() and p not in curated_files(ws, "badge_access")
    ]
    assert stray == []
    assert duckdb.connect(str(ws.warehouse)).execute(
        "SELECT count(*) FROM badge_access"
    ).fetchone() == (55,)


@pytest.mark.slow
def test_sigkill_while_duckdb_writes_parquet(ws: Workspace, badge_csv, strict, tmp_path) -> None:
    """No test hook: the kill lands while DuckDB is writing the curated file itself."""
    ingest_path(ws, badge_csv(), settings=strict)
    before = {p: p.read_bytes() for p in curated_files(ws, "badge_access")}
    big = tmp_path / "big.csv"
    duckdb.connect().execute(
        f"""COPY (SELECT 'E' || i AS event_id, 'SN' || (i % 5000) AS staff_number,
                   'HQ' AS site_code, 'R1' AS reader_id,
                   TIMESTAMP '2024-01-01' + to_seconds(i) AS event_time,
                   'in' AS direction, 'granted' AS result
            FROM range(1500000) t(i)) TO '{big}' (HEADER true)"""
    )
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(ws.home), str(big)])
    folder = ws.curated / "badge_access"
    caught = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.endswith(".tmp") for p in folder.iterdir()):
            proc.send_signal(signal.SIGKILL)
            caught = True
            break
        time.sleep(0.002)
    proc.wait()
    assert caught, "the ingest ended before its curated file was seen being written"
    assert [m["batch_id"] for m in manifests(ws)] == [next(iter(before)).stem]
    assert {p: p.read_bytes() for p in curated_files(ws, "badge_access")} == before
    assert duckdb.connect(str(ws.warehouse)).execute(
        "SELECT count(*) FROM badge_access"
    ).fetchone() == (5,)
    # The half-written file is swept by the next run.
    ingest_path(ws, badge_csv(), settings=strict)
    assert not any(p.name.endswith(".tmp") for p in folder.iterdir())


def test_no_op_mends_views_left_stale_by_a_kill(ws: Workspace, badge_csv, kit, strict) -> None:
    """Killed after the manifest, before the views: the batch is committed, the views stale."""
    ingest_path(ws, badge_csv(), settings=strict)
    first = [str(f) for f in curated_files(ws, "badge_access")]
    second = badge_csv(kit.rows(50, start=100), name="second.csv")
    ingest_path(ws, second, source="badge_access", settings=strict)
    con = duckdb.connect(str(ws.warehouse))
    con.execute(f"CREATE OR REPLACE VIEW badge_access AS SELECT * FROM read_parquet({first})")
    con.close()
    again = ingest_path(ws, second, source="badge_access", settings=strict).results[0]
    assert again.status == "no-op"
    con = duckdb.connect(str(ws.warehouse))
    assert con.execute("SELECT count(*) FROM badge_access").fetchone() == (55,)
