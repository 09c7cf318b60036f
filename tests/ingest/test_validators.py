"""Property tests on the validators: the row flag agrees with the reasons; typed and text agree."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.catalog.registry import catalog
from integritas.ingest.checks import clean
from integritas.ingest.errors import IngestError
from integritas.ingest.layout import manifests
from integritas.ingest.models import BatchStatus
from integritas.ingest.readers import quote_ident, read_file
from integritas.ingest.service import ingest_path
from integritas.ingest.validate import e, quarantine_reasons, stage
from integritas.settings import IngestSettings, Workspace

HR = catalog()["hr_master"]
TRICKY = [
    "",
    " ",
    "  x ",
    "1",
    "-3",
    "0.5",
    "1.0",
    "2.5",
    "nan",
    "inf",
    "1e309",
    "yes",
    "No",
    "TRUE",
    "t",
    "2024-02-30",
    "2024-03-01",
    "2024-03-01 08:00",
    " officer ",
    "Officer",
    "staff\u00a0",
    "\u3000full_time",
    "x,y",
    '"',
    "é ",
    "PC",
    # edges of the trim fast path: first byte, last byte, non-ASCII inside or at the ends
    "!",
    "~x",
    "\x7fx",
    "\tofficer",
    "officer\t",
    "x\u00a0",
    "\u2003x",
    "ofé",
    "x y",
]
cell = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6))
FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@FUZZ
@given(
    rows=st.lists(
        st.lists(cell, min_size=len(HR.fields), max_size=len(HR.fields)), min_size=1, max_size=8
    )
)
def test_bad_flag_is_exactly_some_reason(tmp_path: Path, rows: list[list[str]]) -> None:
    """__bad (a cheap test for every row) marks exactly the rows the reasons reject."""
    names = [f.name for f in HR.fields]
    path = _write(tmp_path / "hr_master.csv", names, rows)
    con = duckdb.connect()
    try:
        export = read_file(con, path)
        staging = stage(con, export, HR, None)
    except IngestError:
        return  # unreadable: a clear error, covered elsewhere
    flagged = {r[0] for r in con.execute("SELECT __rn FROM __staged WHERE __bad").fetchall()}
    # Every row's reasons, from the cleaned text (the staged fast paths must agree).
    texts = ", ".join(f"{clean(quote_ident(n))} AS {quote_ident('f:' + n)}" for n in names)
    rel = f"(SELECT row_number() OVER () AS __rn, {texts} FROM {export.relation})"
    reasons = ", ".join(e(n) for n in names)
    rejected = {
        r[0]
        for r in con.execute(
            f"SELECT __rn FROM ({quarantine_reasons(HR, None, rel)}) "
            f"WHERE list_filter([{reasons}], x -> x IS NOT NULL) <> []"
        ).fetchall()
    }
    assert flagged == rejected
    # The staged text of a failing row is what the export held, trimmed.
    got = con.execute(
        f"SELECT s.__rn FROM (SELECT __rn, __bad, {staging.text_columns()} FROM __staged) s "
        f"JOIN {rel} r USING (__rn) WHERE s.__bad AND ("
        + " OR ".join(
            f"s.{quote_ident('f:' + n)} IS DISTINCT FROM r.{quote_ident('f:' + n)}" for n in names
        )
        + ")"
    ).fetchall()
    assert got == []


def _stripped(x: str) -> str | None:
    """What ``clean`` gives: no whitespace at either end (Python's idea of whitespace), blank
    is null; a value that starts with printable ASCII, is ASCII throughout and does not end in
    a space is taken as it is (so a tab or newline after printable text stays)."""
    if "!" <= x[:1] < "\x7f" and not x.endswith(" ") and x.isascii():
        return x
    return x.strip() or None


def test_clean_strips_every_kind_of_whitespace() -> None:
    chars = [chr(c) for c in range(1, 128)]
    chars += ["\u0085", "\u00a0", "\u1680", "\u202f", "\u205f", "\u3000", "\ufeff", "é"]
    chars += [chr(c) for c in range(0x2000, 0x200C)] + ["\u2028", "\u2029"]
    values = [*TRICKY, *(v for c in chars for v in (c, c + "x", "x" + c, "x" + c + "y", c + c))]
    con = duckdb.connect()
    got = con.execute(f"SELECT x, {clean('x')} FROM unnest(?) t(x)", [values]).fetchall()
    wrong = [(x, y) for x, y in got if y != _stripped(x)]
    assert wrong == []
    assert all(y is None for x, y in got if not x.strip())  # blank, whatever its whitespace


def _float_text(x: float | None) -> str:
    return "" if x is None else repr(x)


@pytest.mark.slow
@FUZZ
@given(
    typed=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats()),
            st.one_of(st.none(), st.floats(min_value=-10, max_value=200)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_typed_parquet_agrees_with_text(tmp_path: Path, kit, typed: list[tuple]) -> None:
    """A Parquet export's own types give the same rows and reasons as the same data as text."""
    base = kit.hr_row("SN0001")
    header = list(base)
    text_rows, cols = [], {h: [] for h in header}  # type: ignore[var-annotated]
    for i, (fte, pct, sup, start) in enumerate(typed):
        row = dict(base, staff_number=f"SN{i:04d}")
        row.update(
            fte=_float_text(fte),
            hybrid_policy_pct=_float_text(pct),
            is_supervisor="" if sup is None else str(sup).lower(),
            start_date="" if start is None else start.isoformat(),
        )
        text_rows.append([row[h] for h in header])
        for h in header:
            cols[h].append(row[h] or None)
        cols["fte"][-1], cols["hybrid_policy_pct"][-1] = fte, pct
        cols["is_supervisor"][-1], cols["start_date"][-1] = sup, start
    types = {
        "fte": pa.float64(),
        "hybrid_policy_pct": pa.float64(),
        "is_supervisor": pa.bool_(),
        "start_date": pa.date32(),
    }
    folder = tmp_path / "x"
    folder.mkdir(exist_ok=True)
    csv_path = _write(folder / "hr_master.csv", header, text_rows)
    pq_path = folder / "hr_master.parquet"
    pq.write_table(
        pa.table({h: pa.array(cols[h], type=types.get(h, pa.string())) for h in header}), pq_path
    )
    ws = Workspace.from_settings(tmp_path / "home")
    lenient = IngestSettings(quarantine_tolerance=1.0)
    a = ingest_path(ws, csv_path, settings=lenient).results[0]
    b = ingest_path(ws, pq_path, settings=lenient).results[0]
    assert a.status in (BatchStatus.COMMITTED, BatchStatus.NO_OP), a
    assert b.status in (BatchStatus.COMMITTED, BatchStatus.NO_OP), b
    if a.status is BatchStatus.NO_OP or b.status is BatchStatus.NO_OP:
        return  # a workspace reused by hypothesis: nothing new to compare
    assert (a.rows_loaded, a.rows_quarantined) == (b.rows_loaded, b.rows_quarantined)

    def reasons(r) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
        return sorted((q.row, q.column, q.reason) for q in r.quarantine_sample)

    assert reasons(a) == reasons(b)
    files = {m["batch_id"]: m["curated_files"][0] for m in manifests(ws)}
    con = duckdb.connect()

    def rows(batch: str | None) -> list[tuple]:
        f = ws.home / files[str(batch)]
        return con.execute(
            f"SELECT * EXCLUDE (_batch_id) FROM '{f}' ORDER BY _row_number"
        ).fetchall()

    got_a, got_b = rows(a.batch_id), rows(b.batch_id)
    assert len(got_a) == len(got_b)
    for x, y in zip(got_a, got_b, strict=True):
        assert all(
            (isinstance(p, float) and math.isclose(p, q)) or p == q
            for p, q in zip(x, y, strict=True)
        ), (x, y)
