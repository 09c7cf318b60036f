"""Rows from Python into DuckDB a chunk at a time: text, numbering, digest, bounded chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.ingest import rows as rows_module
from integritas.ingest.layout import curated_files, manifests
from integritas.ingest.models import BatchStatus
from integritas.ingest.readers import read_file
from integritas.ingest.rows import TextRows, text, text_column
from integritas.ingest.service import ingest_path, ingest_sql
from integritas.settings import IngestSettings, Workspace

BADGE_TEXT = ("staff_number", "site_code", "reader_id", "event_time", "direction", "result")
values = st.one_of(
    st.none(),
    st.text(),
    st.integers(),  # beyond 64 bits too
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.decimals(allow_nan=False, allow_infinity=False),
)


def _reference_digest(header: list[str], rows: list[list[Any]]) -> str:
    """The digest as defined: header line, then each row's text joined by U+001F."""
    h = hashlib.sha256(("\x1f".join(header) + "\n").encode())
    for r in rows:
        h.update(("\x1f".join("" if (t := text(v)) is None else t for v in r) + "\n").encode())
    return h.hexdigest()


@settings(deadline=None)  # the first call loads pyarrow's compute kernels
@given(st.lists(values, max_size=40))
def test_a_column_is_the_text_of_each_value_whichever_way_it_is_converted(
    column: list[Any],
) -> None:
    assert text_column(column).to_pylist() == [text(v) for v in column]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (["a", None, " b "], ["a", None, " b "]),
        ([1, None, -5, 2**70], ["1", None, "-5", str(2**70)]),
        ([True, False, None], ["true", "false", None]),
        ([1.0, 2.5, 1e20], ["1", "2.5", "100000000000000000000"]),
        (
            [dt.datetime(2024, 3, 1, 8, 0), dt.date(2024, 3, 1)],
            ["2024-03-01 08:00:00", "2024-03-01"],
        ),
        ([Decimal("12.50"), 3], ["12.50", "3"]),
    ],
)
def test_text_of_typical_database_values(column: list[Any], expected: list[str | None]) -> None:
    assert text_column(column).to_pylist() == expected


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(values, min_size=n, max_size=n), max_size=30),
            st.integers(1, 7),
        )
    )
)
def test_numbering_and_digest_do_not_depend_on_the_chunks(
    data: tuple[list[list[Any]], int],
) -> None:
    table, chunk_rows = data
    header = [f"c{i}" for i in range(len(table[0]) if table else 2)]
    con = duckdb.connect()
    sink = TextRows(con, header)
    sink.add_all(table, chunk_rows=chunk_rows)
    assert sink.rows == len(table)
    assert sink.sha256() == _reference_digest(header, table)
    got = con.execute("SELECT * FROM __rows ORDER BY __rn").fetchall()
    assert got == [(i, *(text(v) for v in r)) for i, r in enumerate(table, start=1)]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    sink = TextRows(duckdb.connect(), ["a", "b"])
    with pytest.raises(ValueError):
        sink.add([("x", "y"), ("z",)])


@pytest.fixture
def swipes(sql_url: str, foreign_table: Callable[..., str]) -> tuple[str, str]:
    """(URL, table): a foreign badge table of 50 rows, integer and text columns mixed."""
    columns = [sa.Column("event_id", sa.Integer)]
    columns += [sa.Column(c, sa.String) for c in BADGE_TEXT]
    rows = [
        {
            "event_id": i,
            "staff_number": f"SN{i % 7:04d}",
            "site_code": "HQ",
            "reader_id": f"D{i % 3}",
            "event_time": f"2024-03-01 08:{i:02d}:00",
            "direction": "in",
            "result": "granted",
        }
        for i in range(50)
    ]
    return sql_url, foreign_table(columns, rows)


def test_sql_results_arrive_in_chunks_numbered_in_order(
    ws: Workspace, swipes: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A result read 7 rows at a time is the same export as one read whole: same rows, same
    order and row numbers, same digest (so the second ingest is a no-op)."""
    url, table = swipes
    query = f"SELECT * FROM {table} ORDER BY event_id DESC"
    strict = IngestSettings(quarantine_tolerance=0.0, operator="tester")
    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 7)
    first = ingest_sql(ws, url, query, source="badge_access", settings=strict).results[0]
    assert first.status is BatchStatus.COMMITTED and first.rows_loaded == 50
    files = [str(f) for f in curated_files(ws, "badge_access")]
    got = (
        duckdb.connect()
        .execute(f"SELECT event_id, _row_number FROM read_parquet({files}) ORDER BY 2")
        .fetchall()
    )
    assert got == [(str(49 - i), i + 1) for i in range(50)]
    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 1000)
    again = ingest_sql(ws, url, query, source="badge_access", settings=strict).results[0]
    assert again.status is BatchStatus.NO_OP
    assert len(manifests(ws)) == 1


def test_a_header_duckdb_cannot_hold_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    """Column names equal but for case are two columns to a workbook, one to DuckDB."""
    path = tmp_path / "badge_access.xlsx"
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["event_id", "EVENT_ID"])
    sheet.append(["E1", "E2"])
    wb.save(path)
    r = ingest_path(ws, path).results[0]
    assert r.status is BatchStatus.FAILED
    assert "badge_access.xlsx: the header cannot be read" in r.message
    assert "Traceback" not in r.message
    assert manifests(ws) == []


def test_worksheet_rows_are_cut_or_padded_to_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in (["a", "b"], ["1"], [None, None], ["2", "3"], [True, 4.0]):
        sheet.append(row)
    wb.save(path)
    con = duckdb.connect()
    export = read_file(con, path)
    got = con.execute(f"SELECT * FROM {export.relation} ORDER BY __rn").fetchall()
    assert got == [(1, "1", None), (2, "2", "3"), (3, "true", "4")]
