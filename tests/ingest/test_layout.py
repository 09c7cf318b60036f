"""Committed manifests: parsed once per change of the batches folder, never stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integritas.ingest.layout import curated_files_by_source, manifests, write_manifest
from integritas.settings import Workspace


def _manifest(batch: str, source: str, status: str = "committed", **extra: Any) -> dict[str, Any]:
    return {
        "batch_id": batch,
        "source": source,
        "status": status,
        "committed_at": f"2026-12-01T10:00:0{batch[-1]}",
        **extra,
    }


def test_manifests_follow_every_change_of_the_folder(tmp_path: Path) -> None:
    ws = Workspace.from_settings(tmp_path)
    assert manifests(ws) == []
    write_manifest(ws, _manifest("B-1", "hr_master"))
    write_manifest(ws, _manifest("B-2", "badge_access"))
    write_manifest(ws, _manifest("B-3", "badge_access", status="failed"))
    first = manifests(ws)
    assert [m["batch_id"] for m in first] == ["B-1", "B-2"]
    assert [m["batch_id"] for m in manifests(ws, "badge_access")] == ["B-2"]
    # unchanged folder: the parsed manifests are handed out again, not read again
    assert all(a is b for a, b in zip(first, manifests(ws), strict=True))

    write_manifest(ws, _manifest("B-4", "badge_access"))  # a new batch
    assert [m["batch_id"] for m in manifests(ws, "badge_access")] == ["B-2", "B-4"]
    write_manifest(ws, _manifest("B-2", "badge_access", rows_disposed=5))  # rewritten
    assert manifests(ws, "badge_access")[0]["rows_disposed"] == 5
    (ws.batches / "B-1.json").unlink()  # gone
    assert [m["batch_id"] for m in manifests(ws)] == ["B-2", "B-4"]


def test_curated_files_by_source_lists_existing_files_only(tmp_path: Path) -> None:
    ws = Workspace.from_settings(tmp_path)
    kept = ws.home / "curated" / "badge_access" / "B-1.parquet"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"PAR1")
    files = ["curated/badge_access/B-1.parquet", "curated/badge_access/gone.parquet"]
    write_manifest(ws, _manifest("B-1", "badge_access", curated_files=files))
    assert curated_files_by_source(ws) == {"badge_access": [kept]}
