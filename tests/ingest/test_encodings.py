"""CSV exports in Windows-1252, Latin-1 or UTF-16, named by their mapping, load unedited."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.ingest.errors import IngestError
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.mapping import parse_mapping
from integritas.ingest.models import BatchStatus
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace

STRICT = IngestSettings(quarantine_tolerance=0.0, operator="tester")
PYTHON_CODEC = {"windows-1252": "cp1252", "latin-1": "latin-1", "utf-16": "utf-16"}


def _export(
    folder: Path, header: list[str], rows: list[list[str]], codec: str, encoding: str | None
) -> Path:
    """badge_access.csv written in ``codec``, with a mapping naming ``encoding`` (if any)."""
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path = folder / "badge_access.csv"
    path.write_bytes(buf.getvalue().encode(codec))
    if encoding is not None:
        (folder / "mappings").mkdir(exist_ok=True)
        (folder / "mappings" / "badge.yaml").write_text(
            f'source: badge_access\nmatch: "badge_access*.csv"\nencoding: {encoding}\n'
        )
    return folder


def _readers(ws: Workspace) -> list[str]:
    files = [str(f) for f in curated_files(ws, "badge_access")]
    rows = duckdb.connect().execute(
        f"SELECT reader_id FROM read_parquet({files}) ORDER BY _row_number"
    )
    return [r[0] for r in rows.fetchall()]


def _encodable(codec: str) -> st.SearchStrategy[str]:
    def ok(s: str) -> bool:
        try:
            s.encode(codec)
        except UnicodeEncodeError:
            return False
        return s == s.strip() and "\x00" not in s

    return st.text(min_size=1, max_size=12).filter(ok)


@pytest.mark.parametrize("encoding", ["windows-1252", "latin-1", "utf-16"])
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_text_in_a_declared_encoding_arrives_as_written(
    tmp_path_factory: pytest.TempPathFactory, kit: Any, encoding: str, data: st.DataObject
) -> None:
    codec = PYTHON_CODEC[encoding]
    texts = data.draw(st.lists(_encodable(codec), min_size=1, max_size=6))
    rows = kit.rows(len(texts))
    for row, value in zip(rows, texts, strict=True):
        row[3] = value  # reader_id: free text, kept as it is
    root = tmp_path_factory.mktemp("enc")
    folder = _export(root / "exports", kit.header, rows, codec, encoding)
    ws = Workspace.from_settings(root / "home")
    r = ingest_path(ws, folder, settings=STRICT).results[0]
    assert r.status is BatchStatus.COMMITTED, r.message
    assert _readers(ws) == texts
    assert not any((ws.home / ".ingest-tmp").iterdir())  # the UTF-8 copy is gone


def test_excel_characters_survive(tmp_path: Path, kit: Any) -> None:
    """The bytes 0x80-0x9F, where Windows-1252 and Latin-1 differ (DuckDB refuses them as
    Latin-1): euro sign, curly quotes, dashes."""
    rows = kit.rows(2)
    rows[0][3], rows[1][3] = "Caf\u00e9 \u20ac5", "O\u2019Brien \u2013 \u201cN\u201d"
    ws = Workspace.from_settings(tmp_path / "home")
    folder = _export(tmp_path / "x", kit.header, rows, "cp1252", "Windows-1252")
    assert ingest_path(ws, folder, settings=STRICT).exit_code == 0
    assert _readers(ws) == ["Caf\u00e9 \u20ac5", "O\u2019Brien \u2013 \u201cN\u201d"]


def test_an_undeclared_encoding_is_named_with_its_fix(tmp_path: Path, kit: Any) -> None:
    rows = kit.rows(2)
    rows[1][3] = "Caf\u00e9"
    folder = _export(tmp_path / "x", kit.header, rows, "cp1252", None)
    ws = Workspace.from_settings(tmp_path / "home")
    r = ingest_path(ws, folder / "badge_access.csv", settings=STRICT).results[0]
    assert r.status is BatchStatus.FAILED
    assert "not valid utf-8 text" in r.message and "encoding: windows-1252" in r.message
    assert manifests(ws) == [] and curated_files(ws, "badge_access") == []


def test_bytes_outside_the_encoding_are_refused_with_the_line(tmp_path: Path, kit: Any) -> None:
    folder = _export(tmp_path / "x", kit.header, kit.rows(3), "cp1252", "windows-1252")
    path = folder / "badge_access.csv"
    path.write_bytes(path.read_bytes() + b"E9,SN0001,HQ,R\x81,2024-03-01 08:00:00,in,granted\r\n")
    ws = Workspace.from_settings(tmp_path / "home")
    r = ingest_path(ws, folder, settings=STRICT).results[0]
    assert r.status is BatchStatus.FAILED
    assert "not valid windows-1252 text (line 5" in r.message
    assert manifests(ws) == [] and not any((ws.home / ".ingest-tmp").iterdir())


def test_location_exports_must_be_utf8(tmp_path: Path) -> None:
    """A transcoded copy would put every ping on disk before the on-duty filter."""
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "device_location.csv").write_bytes(b"ping_id\nP1\n")
    (folder / "m.yaml").write_text("source: device_location\nencoding: latin-1\n")
    ws = Workspace.from_settings(tmp_path / "home")
    report = ingest_path(ws, folder / "device_location.csv", mapping=folder / "m.yaml")
    assert "device location exports must be UTF-8" in report.results[0].message


def test_encoding_applies_to_csv_only(tmp_path: Path) -> None:
    path = tmp_path / "badge_access.parquet"
    duckdb.connect().execute(f"COPY (SELECT 1 AS event_id) TO '{path}' (FORMAT parquet)")
    (tmp_path / "m.yaml").write_text("source: badge_access\nencoding: latin-1\n")
    ws = Workspace.from_settings(tmp_path / "home")
    report = ingest_path(ws, path, mapping=tmp_path / "m.yaml")
    assert "applies to CSV exports only" in report.results[0].message


@pytest.mark.parametrize(
    ("given_name", "normalised"),
    [
        ("cp1252", "windows-1252"),
        ("Windows-1252", "windows-1252"),
        ("ISO-8859-1", "latin-1"),
        ("latin1", "latin-1"),
        ("UTF16", "utf-16"),
        ("utf8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("ascii", "utf-8"),
    ],
)
def test_encoding_names_are_normalised(given_name: str, normalised: str) -> None:
    m = parse_mapping(f"source: badge_access\nencoding: {given_name}\n")
    assert m.encoding == normalised


@pytest.mark.parametrize("bad", ["ebcdic-xyz", "base64", "cp037"])
def test_unsupported_encodings_are_refused(bad: str) -> None:
    with pytest.raises(IngestError, match="is not supported"):
        parse_mapping(f"source: badge_access\nencoding: {bad}\n")


def test_excel_utf8_with_a_byte_order_mark_needs_no_mapping(tmp_path: Path, kit: Any) -> None:
    """Excel's "CSV UTF-8" starts with a byte-order mark; the first column is still found."""
    folder = _export(tmp_path / "x", kit.header, kit.rows(2), "utf-8-sig", None)
    ws = Workspace.from_settings(tmp_path / "home")
    r = ingest_path(ws, folder / "badge_access.csv", settings=STRICT).results[0]
    assert r.status is BatchStatus.COMMITTED and r.rows_loaded == 2
