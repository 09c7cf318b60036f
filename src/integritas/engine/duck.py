"""DuckDB connections that keep every byte they spill inside the workspace.

An in-memory DuckDB database that runs out of memory spills to ``temp_directory``, which
defaults to ``.tmp`` under the process's *current directory*: curated (pseudonymised) rows,
vault names, staged exports could land wherever the command happened to be started, outside
retention and outside the workspace's permissions. Every connection Integritas opens over a
workspace goes through ``connect`` here, which points the spill at ``<home>/.duckdb-tmp``
(mode 0700), inside the workspace and its permissions.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from integritas.settings import Workspace

SPILL_DIR = ".duckdb-tmp"


def spill_dir(ws: Workspace) -> Path:
    folder = ws.home / SPILL_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def configure(con: duckdb.DuckDBPyConnection, ws: Workspace) -> duckdb.DuckDBPyConnection:
    """Point an open connection's spill files at the workspace; quiet its progress bar."""
    path = str(spill_dir(ws)).replace("'", "''")
    con.execute(f"SET temp_directory = '{path}'")
    con.execute("SET enable_progress_bar = false")
    return con


def connect(
    ws: Workspace, database: str | Path = ":memory:", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` for work over ``ws`` (in memory unless ``database`` is given)."""
    return configure(duckdb.connect(str(database), read_only=read_only), ws)
