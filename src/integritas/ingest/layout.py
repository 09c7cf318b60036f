"""Where committed data lives in a workspace, and how a batch is marked committed.

A batch is visible exactly when its manifest ``batches/<batch_id>.json`` exists with
``status: committed``. Data files are written first (to a temporary name, then renamed);
the manifest is written last, also by rename, so a reader never sees half a batch.
Every reader of curated or vault data goes through these functions.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from integritas.settings import Workspace

# batches folder -> (what its manifests looked like on disk, the committed ones, parsed)
_SEEN: dict[Path, tuple[tuple[tuple[str, int, int, int], ...], list[dict[str, Any]]]] = {}


def manifests(ws: Workspace, source: str | None = None) -> list[dict[str, Any]]:
    """Committed batch manifests, oldest first, optionally for one source.

    Read-only: the dicts are shared between calls. The folder is parsed again only when a
    manifest file appears, goes or changes (name, inode, modification time and size, from
    one directory listing), so that asking per source, per page or per engine costs a
    listing, not a read of every manifest.
    """
    committed = _committed(ws.batches)
    return [m for m in committed if source is None or m.get("source") == source]


def _committed(folder: Path) -> list[dict[str, Any]]:
    try:
        with os.scandir(folder) as it:
            found = [(e.name, e.stat()) for e in it if e.name.endswith(".json") and e.is_file()]
    except FileNotFoundError:
        return []
    state = tuple(sorted((n, st.st_ino, st.st_mtime_ns, st.st_size) for n, st in found))
    seen = _SEEN.get(folder)
    if seen is not None and seen[0] == state:
        return seen[1]
    out = []
    for name, *_ in state:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        if data.get("status") == "committed":
            out.append(data)
    out.sort(key=lambda m: (m.get("committed_at", ""), m["batch_id"]))
    _SEEN[folder] = (state, out)
    return out


def curated_files(ws: Workspace, source: str) -> list[Path]:
    """Parquet files of every committed batch of ``source`` (curated plane)."""
    files: list[Path] = []
    for m in manifests(ws, source):
        files.extend(ws.home / rel for rel in m.get("curated_files", []))
    return [f for f in files if f.exists()]


def curated_files_by_source(ws: Workspace) -> dict[str, list[Path]]:
    """``curated_files`` of every source at once (the manifests are read once, not per source)."""
    files: dict[str, list[Path]] = {}
    for m in manifests(ws):
        found = (ws.home / rel for rel in m.get("curated_files", []))
        files.setdefault(m["source"], []).extend(f for f in found if f.exists())
    return files


def vault_files(ws: Workspace, source: str) -> list[Path]:
    """Parquet files of the identity vault written by committed batches of ``source``."""
    files: list[Path] = []
    for m in manifests(ws, source):
        files.extend(ws.home / rel for rel in m.get("vault_files", []))
    return [f for f in files if f.exists()]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(ws: Workspace, manifest: dict[str, Any]) -> Path:
    """Commit a batch: its data files must already be in place."""
    path = ws.batches / f"{manifest['batch_id']}.json"
    atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=True, default=str))
    return path
