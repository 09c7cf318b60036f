"""The one-pass write: counts from the writer, late read errors, no-op by size then hash."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from pathlib import Path

import duckdb
import pytest

from integritas.catalog.registry import catalog
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.location import Geofences
from integritas.ingest.models import BatchStatus
from integritas.ingest.pseudonyms import _hmac_many, normalise
from integritas.ingest.readers import read_file
from integritas.ingest.service import ingest_path
from integritas.ingest.validate import stage
from integritas.settings import IngestSettings, Workspace


def _parquet(csv_path: Path, dest: Path) -> Path:
    """The CSV as a Parquet export of text columns (what a warehouse extract looks like)."""
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{dest}' (FORMAT parquet)"
    )
    return dest


def _curated_rows(ws: Workspace) -> list[tuple]:
    files = [str(f) for f in curated_files(ws, "badge_access")]
    return (
        duckdb.connect()
        .execute(f"SELECT _row_number, event_id FROM read_parquet({files}) ORDER BY 1")
        .fetchall()
    )


def test_parquet_rows_split_into_loaded_and_quarantined(
    ws: Workspace, badge_csv, kit, tmp_path: Path, lenient
) -> None:
    rows = kit.rows(8)
    rows[2][5] = "sideways"
    rows[6][1] = "  "
    path = _parquet(badge_csv(rows), tmp_path / "badge_access.parquet")
    r = ingest_path(ws, path, settings=lenient).results[0]
    assert r.status is BatchStatus.COMMITTED
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (8, 6, 2)
    assert [(q.row, q.column, q.reason) for q in r.quarantine_sample] == [
        (3, "direction", "not in code list ['in', 'out']"),
        (7, "staff_number", "missing required value"),
    ]
    got = _curated_rows(ws)
    assert got == [(n, f"E{n - 1}") for n in (1, 2, 4, 5, 6, 8)]
    m = manifests(ws)[0]
    assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"]) == (8, 6, 2)


def test_parquet_over_tolerance_leaves_no_data_file(
    ws: Workspace, badge_csv, kit, tmp_path: Path, strict
) -> None:
    rows = kit.rows(3)
    rows[0][4] = "soon"
    path = _parquet(badge_csv(rows), tmp_path / "badge_access.parquet")
    r = ingest_path(ws, path, settings=strict).results[0]
    assert r.status is BatchStatus.REJECTED and r.rows_quarantined == 1
    assert [p for p in ws.curated.rglob("*") if p.is_file()] == []
    assert (ws.home / (r.quarantine_file or "")).exists() and manifests(ws) == []


def test_bad_value_met_during_the_write_fails_the_file(
    ws: Workspace, badge_csv, kit, tmp_path: Path, strict
) -> None:
    """Over Parquet the export is first read by the write itself: an error there is the file's."""
    path = _parquet(badge_csv(kit.rows(4)), tmp_path / "badge_access.parquet")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "source: badge_access\ncolumns:\n"
        "  reader_id: {expr: \"CASE WHEN reader_id = 'R1' THEN error('reader R1 unknown') "
        'ELSE reader_id END"}\n'
    )
    r = ingest_path(ws, path, mapping=mapping, settings=strict).results[0]
    assert r.status is BatchStatus.FAILED
    assert "badge_access.parquet: cannot be read (mapping m.yaml)" in r.message
    assert "reader R1 unknown" in r.message
    assert [p for p in ws.home.rglob("*.parquet*")] == [] and manifests(ws) == []


def test_quarantine_report_in_file_order_at_scale(
    ws: Workspace, badge_csv, kit, tmp_path: Path
) -> None:
    """Many failing rows: the report (and its sample) still lists them by row, then column."""
    rows = kit.rows(20_000)
    for i in range(0, len(rows), 3):
        rows[i][4] = "never"
        rows[i][6] = "maybe"
    path = badge_csv(rows)
    r = ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=0.5)).results[0]
    assert r.status is BatchStatus.COMMITTED and r.rows_quarantined == 6667
    with (ws.home / (r.quarantine_file or "")).open() as fh:
        report = [(int(x["row"]), x["column"]) for x in csv.DictReader(fh)]
    assert len(report) == 2 * 6667 and report == sorted(report)
    assert [(q.row, q.column) for q in r.quarantine_sample] == report[:10]
    assert len(_curated_rows(ws)) == r.rows_loaded == 20_000 - 6667


def test_parquet_is_staged_as_a_view_and_location_as_a_table(
    badge_csv, kit, tmp_path: Path
) -> None:
    """Nothing of a Parquet export is materialised; pings are (for their duty-window passes)."""
    path = _parquet(badge_csv(kit.rows(3)), tmp_path / "badge_access.parquet")
    for materialise, kind in ((False, "VIEW"), (True, "LOCAL TEMPORARY")):
        con = duckdb.connect()
        staging = stage(
            con, read_file(con, path), catalog()["badge_access"], None, materialise=materialise
        )
        found = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = '__staged'"
        ).fetchone()
        assert staging.is_view is not materialise and found == (kind,)


def test_writes_leave_the_optimiser_as_they_found_it(
    ws: Workspace, badge_csv, kit, tmp_path: Path, strict
) -> None:
    from integritas.ingest.batch import ingest_export

    path = _parquet(badge_csv(kit.rows(3)), tmp_path / "badge_access.parquet")
    con = duckdb.connect()
    result = ingest_export(
        ws,
        con,
        read_file(con, path),
        catalog()["badge_access"],
        None,
        settings=strict,
        geofences=Geofences(),
    )
    assert result.status is BatchStatus.COMMITTED
    assert con.execute("SELECT current_setting('disabled_optimizers')").fetchone() == ("",)


def test_manifest_records_the_file_hash_and_size(ws: Workspace, badge_csv, strict) -> None:
    path = badge_csv()
    ingest_path(ws, path, settings=strict)
    m = manifests(ws)[0]
    assert m["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert m["file_bytes"] == path.stat().st_size


def test_same_size_other_bytes_is_a_new_batch(ws: Workspace, badge_csv, kit, strict) -> None:
    first = ingest_path(ws, badge_csv(kit.rows(4)), settings=strict).results[0]
    rows = kit.rows(4)
    rows[3][0] = "E9"  # same length as E3: same file size, other content
    path = badge_csv(rows, name="again.csv")
    r = ingest_path(ws, path, source="badge_access", settings=strict).results[0]
    assert first.status is r.status is BatchStatus.COMMITTED
    assert len(manifests(ws)) == 2


def test_no_op_found_for_a_batch_committed_before_sizes_were_recorded(
    ws: Workspace, badge_csv, strict
) -> None:
    first = ingest_path(ws, badge_csv(), settings=strict).results[0]
    manifest = ws.batches / f"{first.batch_id}.json"
    data = json.loads(manifest.read_text())
    del data["file_bytes"]
    manifest.write_text(json.dumps(data))
    again = ingest_path(ws, badge_csv(), settings=strict).results[0]
    assert again.status is BatchStatus.NO_OP and again.batch_id == first.batch_id


@pytest.mark.parametrize("size", [1, 32, 64, 65, 100])
def test_hmac_with_reused_pads_is_hmac(size: int) -> None:
    key = bytes(range(size))
    values = ["SN0001", " sn 0001 ", "", "é\u3000x", "a" * 200]
    got = list(_hmac_many(key, values))
    want = [hmac.digest(key, normalise(v).encode("utf-8"), "sha256") for v in values]
    assert got == want


def test_code_lists_and_batch_id_are_plain_strings_to_every_reader(
    ws: Workspace, badge_csv, kit
) -> None:
    """Written from ENUMs (a cheaper write), read back as text by DuckDB and pyarrow."""
    import pyarrow.parquet as pq

    rows = kit.rows(4)
    r = ingest_path(ws, badge_csv(rows)).results[0]
    assert r.status is BatchStatus.COMMITTED
    path = curated_files(ws, "badge_access")[0]
    described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
    types = {str(c[0]): str(c[1]) for c in described}
    assert types["direction"] == types["result"] == types["_batch_id"] == "VARCHAR"
    table = pq.read_table(path).sort_by("_row_number")
    assert str(table.schema.field("direction").type) == "string"
    assert set(table.column("_batch_id").to_pylist()) == {r.batch_id}
    assert table.column("direction").to_pylist() == [row[5] for row in rows]
