"""Arbitrary bytes in a CSV never crash ingest: they quarantine or give a clear error."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.ingest.models import BatchStatus
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace

HEADER = b"event_id,staff_number,site_code,reader_id,event_time,direction,result\n"
GOOD = b"E1,SN1,HQ,R1,2024-03-01 08:00:00,in,granted\n"

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "in", "granted", "2024-03-01", "NaN", '"', ",", "\n", "1e309"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300), with_header=st.booleans())
def test_garbage_bytes_never_crash(tmp_path: Path, body: bytes, with_header: bool) -> None:
    folder = tmp_path / "g"
    folder.mkdir(exist_ok=True)
    path = folder / "badge_access.csv"
    path.write_bytes((HEADER + GOOD if with_header else b"") + body)
    ws = Workspace.from_settings(tmp_path / "home")
    report = ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=1.0))
    r = report.results[0]
    assert r.status in (BatchStatus.COMMITTED, BatchStatus.FAILED, BatchStatus.NO_OP)
    if r.status is BatchStatus.FAILED:
        assert r.problems and all(p.strip() for p in r.problems)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, min_size=7, max_size=7), min_size=1, max_size=6))
def test_arbitrary_cells_quarantine_with_reasons(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "badge_access.csv"
    path.write_bytes(HEADER + buf.getvalue().encode("utf-8", "surrogatepass"))
    ws = Workspace.from_settings(tmp_path / "home2")
    r = ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=1.0)).results[0]
    assert r.status in (BatchStatus.COMMITTED, BatchStatus.FAILED, BatchStatus.NO_OP)
    if r.status is BatchStatus.COMMITTED:
        assert r.rows_loaded + r.rows_quarantined == r.rows_read
        assert all(q.reason for q in r.quarantine_sample)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from([".parquet", ".jsonl", ".xlsx", ".csv"]),
    body=st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [b"PAR1", b"PAR1\x00\x00PAR1", b"PK\x03\x04", b'{"event_id": 1}\n{', b"\xef\xbb\xbf"]
        ),
    ),
)
def test_garbage_in_any_format_is_a_message(tmp_path: Path, suffix: str, body: bytes) -> None:
    path = tmp_path / f"badge_access{suffix}"
    path.write_bytes(body)
    ws = Workspace.from_settings(tmp_path / "home3")
    r = ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=1.0)).results[0]
    assert r.status in (
        BatchStatus.FAILED,
        BatchStatus.SKIPPED,
        BatchStatus.COMMITTED,
        BatchStatus.NO_OP,
    )
    if r.status is BatchStatus.FAILED:
        assert r.problems and all(p.strip() and "Traceback" not in p for p in r.problems)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.text(max_size=10), max_size=30, unique=True))
def test_batch_pseudonyms_equal_one_by_one(tmp_path_factory, values: list[str]) -> None:
    """The batched path (HMACs in Python, encoded by DuckDB) gives each value exactly its
    single-value pseudonym and keyed hash."""
    import duckdb

    from integritas.ingest.pseudonyms import Pseudonymiser, keyed_sql

    ws = Workspace.from_settings(tmp_path_factory.getbasetemp() / "pseudo-home")
    ps = Pseudonymiser(ws)
    con = duckdb.connect()
    for hashed, one in ((False, ps.pseudonym), (True, ps.keyed_hash)):
        if not values:
            assert ps.digests_hex(values, hashed=hashed) == ""
            continue
        digests = ps.digests_hex(values, hashed=hashed)
        got = [
            r[0]
            for r in con.execute(
                f"SELECT {keyed_sql('h', hashed=hashed)} FROM "
                f"(SELECT unnest(string_split('{digests}', ',')) AS h)"
            ).fetchall()
        ]
        assert got == [one(v) for v in values]
