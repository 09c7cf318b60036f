from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from integritas.audit.export import ExportUnreadable, build_export, verify_export, write_export
from integritas.audit.service import append, checkpoint, now_iso

KEY = b"k" * 32


def export_file(sessions: sessionmaker[Session], path: Path, n: int = 8) -> Path:
    with sessions.begin() as s:
        for i in range(n):
            append(s, actor=f"u{i}", role="auditor", action="audit.read", subjects=[f"P{i}"])
        checkpoint(s, key=KEY)
        for _ in range(3):
            append(s, actor="late", role="auditor", action="audit.read")
    with sessions() as s:
        write_export(build_export(s, time_from=None, time_to=None, exported_at=now_iso()), path)
    return path


def test_export_verifies_from_the_file_alone(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = export_file(sessions, tmp_path / "e.json")
    report = verify_export(path, key=KEY)
    assert report.ok and report.events == 12 and report.checkpoints == 1
    assert not verify_export(path, key=b"z" * 32).ok  # wrong key: checkpoint refused


def test_partial_range_anchors_on_its_first_event(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    export_file(sessions, tmp_path / "all.json")
    data = json.loads((tmp_path / "all.json").read_text())
    cut = data["events"][4]["at"]
    with sessions() as s:
        export = build_export(s, time_from=cut, time_to=None, exported_at=now_iso())
    write_export(export, tmp_path / "part.json")
    assert export.first_seq >= 5 and verify_export(tmp_path / "part.json").ok


@pytest.mark.parametrize(
    ("edit", "kind"),
    [
        (lambda d: d["events"][3].update(actor="mallory"), "altered"),
        (lambda d: d["events"].pop(3), "deleted"),
        (lambda d: d["events"].pop(), "deleted"),
        (lambda d: d["events"].insert(3, d["events"].pop(4)), "reordered"),
    ],
)
def test_tampered_export_is_named(
    sessions: sessionmaker[Session], tmp_path: Path, edit: object, kind: str
) -> None:
    path = export_file(sessions, tmp_path / "e.json")
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))
    report = verify_export(path)
    assert report.first is not None and report.first.kind == kind


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_garbage_export_is_a_clear_error(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(junk)
    with pytest.raises(ExportUnreadable, match=r"junk\.json"):
        verify_export(path)
