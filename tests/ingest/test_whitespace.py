"""Whitespace around exported text: a blank value (spaces, tabs, newlines, Unicode
separators) is no value, and trimming never changes what is between the ends."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.ingest.layout import curated_files
from integritas.ingest.models import BatchResult, BatchStatus
from integritas.ingest.service import ingest_path
from integritas.settings import IngestSettings, Workspace

HEADER = [
    "event_id",
    "user_staff_number",
    "system",
    "query_type",
    "restricted_record",
    "incident_reference",
    "terminal_id",
    "event_time",
    "records_returned",
]
SPACE = " \t\n\u00a0\u3000\u2028\x0b"
text = st.text(alphabet=st.sampled_from(f"aZ1-{SPACE}"), max_size=6)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(HEADER)
    out.writerows(rows)
    return buf.getvalue()


def _row(i: int, ref: str, terminal: str, staff: str = "SN1") -> list[str]:
    when = "2025-01-02 10:00:00"
    return [f"E{i}", staff, "records", "person_search", "false", ref, terminal, when, "1"]


def _ingest(tmp_path: Path, body: str) -> tuple[Workspace, BatchResult]:
    run = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis reuses tmp_path across examples
    path = run / "it_access.csv"
    path.write_text(body, encoding="utf-8")
    ws = Workspace.from_settings(run / "home")
    return ws, ingest_path(ws, path, settings=IngestSettings(quarantine_tolerance=1.0)).results[0]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.tuples(text, text), min_size=1, max_size=8))
def test_blank_is_null_and_trimming_keeps_the_content(
    tmp_path: Path, cells: list[tuple[str, str]]
) -> None:
    ws, r = _ingest(tmp_path, _csv([_row(i, a, b) for i, (a, b) in enumerate(cells)]))
    assert r.status is BatchStatus.COMMITTED, r.problems
    rows = {x["event_id"]: x for x in pq.read_table(curated_files(ws, "it_access")[0]).to_pylist()}
    for i, pair in enumerate(cells):
        for col, sent in zip(("incident_reference", "terminal_id"), pair, strict=True):
            got = rows[f"E{i}"][col]
            if not sent.strip():
                assert got is None, (col, sent, got)
            else:
                assert got is not None and got.strip() == sent.strip(), (col, sent, got)
                assert not got[0].isspace(), (col, sent, got)


def test_a_staff_number_of_only_whitespace_is_missing(tmp_path: Path) -> None:
    body = _csv([_row(1, "CAD1", "T1"), _row(2, "CAD2", "T1", staff="\t"), _row(3, "", "", " \n ")])
    _, r = _ingest(tmp_path, body)
    assert r.status is BatchStatus.COMMITTED
    assert (r.rows_loaded, r.rows_quarantined) == (1, 2)
    reasons = {q.reason for q in r.quarantine_sample}
    assert reasons == {"missing required value"}
