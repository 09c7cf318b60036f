"""DuckDB spill files stay inside the workspace, never in the current directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integritas.engine import duck
from integritas.settings import Workspace

SRC = Path(__file__).resolve().parents[2] / "src" / "integritas"
# Connections that are not over a workspace, or that set their own spill directory.
ALLOWED = {
    "engine/duck.py",  # the helper itself
    "ingest/service.py",  # ingest spills to <home>/.ingest-tmp, cleared by its recovery
    "synth/writers.py",  # synthetic data, written before any workspace exists
}


def test_spill_goes_to_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.from_settings(tmp_path / "home")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    con = duck.connect(ws)
    setting = con.execute("SELECT current_setting('temp_directory')").fetchone()
    assert setting is not None and Path(setting[0]) == ws.home / duck.SPILL_DIR
    assert (ws.home / duck.SPILL_DIR).stat().st_mode & 0o777 == 0o700
    # a sort far larger than the memory limit only succeeds by spilling
    con.execute("SET memory_limit = '40MB'")
    con.execute("SET threads = 1")
    con.execute("SET preserve_insertion_order = false")
    row = con.execute(
        "SELECT count(*), max(i) FROM (SELECT i, md5(i::VARCHAR) AS h FROM range(3000000) t(i) "
        "ORDER BY h)"
    ).fetchone()
    con.close()
    assert row == (3000000, 2999999)
    assert list(cwd.iterdir()) == []


def test_every_connection_goes_through_the_helper() -> None:
    """A bare duckdb.connect() would spill into whatever directory the command ran in."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            marked = "# spill set by duck.configure" in line  # configured on the next line
            if re.search(r"\b(duckdb|ibis\.duckdb)\.connect\(", line) and not marked:
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []
