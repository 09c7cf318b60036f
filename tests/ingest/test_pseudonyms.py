"""Pseudonyms: stable across sources and batches; the key never reaches stored data."""

from __future__ import annotations

import base64
import re
import stat

import duckdb

from integritas.ingest.layout import curated_files, vault_files
from integritas.ingest.pseudonyms import Pseudonymiser
from integritas.ingest.service import ingest_path
from integritas.settings import Workspace


def test_key_file_created_private(ws: Workspace) -> None:
    p = Pseudonymiser(ws)
    key = ws.keys / "pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(ws.keys.stat().st_mode) == 0o700
    a = p.pseudonym("ab 123")
    assert a == Pseudonymiser(ws).pseudonym("AB123")  # normalised; key reused, not recreated
    assert re.fullmatch(r"P-[A-Z2-7]{12}", a)
    assert p.keyed_hash("SN1") != p.pseudonym("SN1") and len(p.keyed_hash("SN1")) == 64


def test_same_staff_number_same_pseudonym_everywhere(
    ws: Workspace, badge_csv, hr_csv, kit, strict
) -> None:
    ingest_path(ws, hr_csv([kit.hr_row("SN0001"), kit.hr_row("SN0002")]), settings=strict)
    ingest_path(ws, badge_csv(kit.rows(3)), settings=strict)
    ingest_path(
        ws, badge_csv(kit.rows(3, start=3), name="more.csv"), source="badge_access", settings=strict
    )
    expected = Pseudonymiser(ws).pseudonym("SN0001")
    hr = (
        duckdb.connect()
        .execute(
            f"SELECT person_id FROM read_parquet({[str(f) for f in curated_files(ws, 'hr_master')]})"
        )
        .fetchall()
    )
    badge = (
        duckdb.connect()
        .execute(
            f"SELECT DISTINCT person_id, _batch_id FROM read_parquet("
            f"{[str(f) for f in curated_files(ws, 'badge_access')]}) WHERE person_id = '{expected}'"
        )
        .fetchall()
    )
    assert (expected,) in hr
    assert len({b for _, b in badge}) == 2  # found in both badge batches


def test_key_never_in_stored_files(ws: Workspace, badge_csv, hr_csv, kit, strict) -> None:
    ingest_path(
        ws, hr_csv([kit.hr_row("SN0001"), kit.hr_row("SN0002", surname="Jones")]), settings=strict
    )
    ingest_path(ws, badge_csv(), settings=strict)
    master = (ws.keys / "pseudonym.key").read_bytes()
    ps = Pseudonymiser(ws)
    forms = []
    # The master key and both keys derived from it, in every usual spelling.
    for key in (master, ps._pseudo_key, ps._hash_key):
        forms += [
            key,
            key.hex().encode(),
            key.hex().upper().encode(),
            base64.b64encode(key),
            base64.b32encode(key),
            base64.urlsafe_b64encode(key),
        ]
    checked = 0
    for path in ws.home.rglob("*"):
        if path.is_file() and ws.keys not in path.parents:
            data = path.read_bytes()
            assert not any(f in data for f in forms), path
            checked += 1
    assert ws.warehouse.exists() and checked >= 4
    # Identity data lives only in the vault, never in curated files.
    curated = b"".join(f.read_bytes() for f in curated_files(ws, "hr_master"))
    assert b"Alice" not in curated and b"SN0001" not in curated and b"AB1 2CD" not in curated
    vault = (
        duckdb.connect()
        .execute(
            f"SELECT forename, surname FROM read_parquet({[str(f) for f in vault_files(ws, 'hr_master')]})"
        )
        .fetchall()
    )
    assert ("Alice", "Smith") in vault


def test_odd_staff_numbers_get_their_own_pseudonym(ws: Workspace, badge_csv, kit, strict) -> None:
    """Values with commas, quotes, newlines or non-ASCII still join back to the right pseudonym."""
    odd = ["SN,1", "SN'2", 'SN"3', "SN\n4", "sn 0005", "SNé6", "SN\u00a07", "'", ","]
    rows = kit.rows(len(odd))
    for r, sn in zip(rows, odd, strict=True):
        r[1] = sn
    report = ingest_path(ws, badge_csv(rows), settings=strict)
    assert report.exit_code == 0, report
    files = [str(f) for f in curated_files(ws, "badge_access")]
    got = (
        duckdb.connect()
        .execute(f"SELECT _row_number, person_id FROM read_parquet({files}) ORDER BY 1")
        .fetchall()
    )
    ps = Pseudonymiser(ws)
    # trimmed at the door (the NBSP too), then normalised inside the pseudonym
    expected = [ps.pseudonym(sn.strip().strip("\u00a0")) for sn in odd]
    assert [p for _, p in got] == expected
    assert len(set(expected)) == len(expected)
    assert ps.pseudonym("sn 0005") == ps.pseudonym("SN0005")


def test_padded_identifiers_are_trimmed_through_their_map(
    ws: Workspace, hr_csv, kit, strict, tmp_path
) -> None:
    """Identifiers are staged as exported and trimmed only as distinct values (Parquet: read
    straight from the export): a padded staff number or surname gets the trimmed value's
    pseudonym or keyed hash, a blank line manager none, and the vault keeps trimmed text."""
    rows = [
        kit.hr_row(" SN0001 ", surname=" Smith", line_manager_staff_number="SN0002\u3000"),
        kit.hr_row("SN0002\u00a0", surname="Jones", line_manager_staff_number="  "),
    ]
    path = tmp_path / "hr_master.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{hr_csv(rows)}', all_varchar=true)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    assert ingest_path(ws, path, settings=strict).exit_code == 0
    ps = Pseudonymiser(ws)
    con = duckdb.connect()
    curated = con.execute(
        "SELECT person_id, surname_key, line_manager_id FROM read_parquet("
        f"{[str(f) for f in curated_files(ws, 'hr_master')]}) ORDER BY _row_number"
    ).fetchall()
    assert curated == [
        (ps.pseudonym("SN0001"), ps.keyed_hash("Smith"), ps.pseudonym("SN0002")),
        (ps.pseudonym("SN0002"), ps.keyed_hash("Jones"), None),
    ]
    vault = con.execute(
        "SELECT person_id, staff_number, surname FROM read_parquet("
        f"{[str(f) for f in vault_files(ws, 'hr_master')]}) ORDER BY _row_number"
    ).fetchall()
    assert vault == [
        (ps.pseudonym("SN0001"), "SN0001", "Smith"),
        (ps.pseudonym("SN0002"), "SN0002", "Jones"),
    ]
