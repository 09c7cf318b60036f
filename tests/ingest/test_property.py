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
