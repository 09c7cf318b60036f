"""Device pings: duty-window filter, site labels, and no coordinate or off-duty ping stored."""

from __future__ import annotations

import struct
from pathlib import Path

import duckdb
import pytest

from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.readers import Export
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace

GEOFENCES = """
sites:
  - {code: HQ, name: Headquarters, lat: 51.501234, lon: -0.141234, radius_m: 300}
"""
ROSTER_HEADER = [
    "shift_id",
    "staff_number",
    "unit_id",
    "shift_date",
    "rostered_start",
    "rostered_end",
    "actual_start",
    "actual_end",
    "shift_type",
    "status",
]
ROSTER = [
    # rostered 08-16 but actually worked 10-18: the actual window wins
    [
        "S1",
        "SN1",
        "U1",
        "2024-03-01",
        "2024-03-01 08:00",
        "2024-03-01 16:00",
        "2024-03-01 10:00",
        "2024-03-01 18:00",
        "day",
        "worked",
    ],
    # a night shift crossing midnight, rostered only
    [
        "S2",
        "SN2",
        "U1",
        "2024-03-01",
        "2024-03-01 22:00",
        "2024-03-02 06:00",
        "",
        "",
        "night",
        "worked",
    ],
]
PING_HEADER = ["ping_id", "staff_number", "device_id", "ping_time", "latitude", "longitude"]
PINGS = [
    ["ON-HQ", "SN1", "D1", "2024-03-01 12:00", "51.501299", "-0.141277"],
    ["ON-AWAY", "SN1", "D1", "2024-03-01 18:20", "52.123456", "-1.987654"],  # within tolerance
    [
        "OFF-EARLY",
        "SN1",
        "D1",
        "2024-03-01 09:00",
        "51.501311",
        "-0.141288",
    ],  # rostered, not actual
    ["ON-NIGHT", "SN2", "D2", "2024-03-02 03:00", "51.501322", "-0.141299"],
    ["OFF-NIGHT", "SN2", "D2", "2024-03-02 09:00", "53.765432", "-2.345678"],
    ["OFF-BADCOORD", "SN2", "D2", "2024-03-03 12:00", "999.4242", "-2.111111"],
    ["ON-BADCOORD", "SN1", "D1", "2024-03-01 13:00", "91.777777", "-0.141333"],
    ["NOBODY", "SN9", "D9", "2024-03-01 12:00", "51.501344", "-0.141344"],
]


def _folder(exports: Path, kit) -> Path:
    (exports / "geofences.yaml").write_text(GEOFENCES)
    kit.write_csv(exports / "duty_roster.csv", ROSTER_HEADER, ROSTER)
    kit.write_csv(exports / "device_location.csv", PING_HEADER, PINGS)
    return exports


def test_pings_filtered_and_labelled(ws: Workspace, exports: Path, kit) -> None:
    report = ingest_path(
        ws, _folder(exports, kit), settings=IngestSettings(quarantine_tolerance=0.5)
    )
    assert [r.source for r in report.results] == ["duty_roster", "device_location"]
    assert report.exit_code == 0, report
    files = [str(f) for f in curated_files(ws, "device_location")]
    rel = duckdb.connect().execute(f"SELECT * FROM read_parquet({files}) ORDER BY ping_id")
    cols = [d[0] for d in rel.description or ()]
    assert "person_id" in cols and "latitude" not in cols and "longitude" not in cols
    got = {
        r[0]: r[1]
        for r in duckdb.connect()
        .execute(f"SELECT ping_id, site_label FROM read_parquet({files})")
        .fetchall()
    }
    assert got == {"ON-HQ": "HQ", "ON-AWAY": "off-site", "ON-NIGHT": "HQ"}
    m = manifests(ws, "device_location")[0]
    assert m["rows_read"] == 8 and m["rows_loaded"] == 3
    assert m["rows_dropped_off_duty"] == 4 and m["rows_quarantined"] == 1
    assert (ws.home / "geofences.yaml").exists()


def test_no_coordinate_or_off_duty_ping_anywhere(ws: Workspace, exports: Path, kit) -> None:
    ingest_path(ws, _folder(exports, kit), settings=IngestSettings(quarantine_tolerance=0.5))
    ingest_path(ws, exports / "device_location.csv", settings=IngestSettings())  # no-op
    # a rejected batch too: its quarantine report must not leak either
    kit.write_csv(exports / "device_location2.csv", PING_HEADER, PINGS[5:7])
    ingest_path(ws, exports / "device_location2.csv", source="device_location")
    forbidden = [b"OFF-EARLY", b"OFF-NIGHT", b"OFF-BADCOORD", b"NOBODY"]
    for row in PINGS:
        for text in row[4:6]:
            forbidden.append(text.encode())
            forbidden.append(struct.pack("<d", float(text)))
            forbidden.append(text.lstrip("-")[:6].encode())
    scanned = 0
    for path in ws.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "geofences.yaml":
                continue  # declared site centres, not pings
            for needle in forbidden:
                assert needle not in data, (path, needle)
            scanned += 1
    assert scanned >= 5
    q = (ws.quarantine).glob("*.csv")
    assert any(b"device_location.csv,7,latitude,,above maximum 90" in p.read_bytes() for p in q)


def test_location_staging_never_spills_to_disk(ws: Workspace, exports: Path, kit) -> None:
    """Pings (coordinates, off-duty rows) stay in memory: DuckDB gets no spill folder."""
    from integritas.catalog.registry import catalog
    from integritas.ingest.batch import ingest_export
    from integritas.ingest.location import load_geofences, store_geofences
    from integritas.ingest.readers import read_file

    folder = _folder(exports, kit)
    ingest_path(ws, folder / "duty_roster.csv", settings=IngestSettings())
    store_geofences(ws, folder / "geofences.yaml")
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{ws.home / '.ingest-tmp'}'")
    result = ingest_export(
        ws,
        con,
        read_file(con, folder / "device_location.csv"),
        catalog()["device_location"],
        None,
        settings=IngestSettings(quarantine_tolerance=0.5),
        geofences=load_geofences(ws),
    )
    assert result.status == "committed" and result.rows_dropped_off_duty == 4
    assert con.execute("SELECT current_setting('temp_directory')").fetchone() == ("",)


@pytest.mark.parametrize(("source", "spills"), [("device_location", False), ("badge_access", True)])
def test_sql_pings_never_spill_from_the_first_row(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, spills: bool
) -> None:
    """A SQL result lands in DuckDB as it is read: for pings, no spill folder before that."""
    import sqlite3

    import integritas.ingest.service as service

    seen: list[str] = []
    real = service.read_sql

    def spy(con: duckdb.DuckDBPyConnection, url: str, query: str) -> Export:
        row = con.execute("SELECT current_setting('temp_directory')").fetchone()
        seen.append(str(row[0]) if row else "?")
        return real(con, url, query)

    monkeypatch.setattr(service, "read_sql", spy)
    db = tmp_path / "mdm.sqlite"
    sqlite3.connect(db).close()
    service.ingest_sql(ws, f"sqlite:///{db}", "SELECT 1 AS ping_id", source=source)
    assert len(seen) == 1 and (seen[0] != "") is spills
