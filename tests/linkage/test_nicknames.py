from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.linkage.explain import Contribution, explanation, waterfall_svg
from integritas.linkage.nicknames import canonical_forename, load_nicknames
from integritas.linkage.standardise import register_nicknames, registry_table


def test_table_is_large_symmetric_and_lower_case() -> None:
    nick = load_nicknames()
    pairs = {(a, b) for a, vs in nick.items() for b in vs}
    assert len(pairs) >= 600  # >= 300 name/variant rows, both directions
    assert all((b, a) in pairs for a, b in pairs)
    assert all(a == a.lower() for a in nick)
    assert {"bob", "rob", "bobby"} <= nick["robert"]
    assert {"liz", "beth", "betty"} <= nick["elizabeth"]
    assert "peggy" in nick["margaret"] and "bill" in nick["william"]


def test_canonical_forename() -> None:
    assert canonical_forename("Bob") == "robert"
    assert canonical_forename(" LIZ ") == "elizabeth"
    assert canonical_forename("Muhammad") == canonical_forename("Mohamed") == "mohammed"
    assert canonical_forename("Robert") == "robert"
    assert canonical_forename("Zebedee") == "zebedee"


@given(st.text(max_size=30))
def test_canonical_forename_never_fails(name: str) -> None:
    out = canonical_forename(name)
    assert out == out.lower() and canonical_forename(out) == out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=20)),
            st.one_of(st.none(), st.text(max_size=25)),
            st.one_of(st.none(), st.text(max_size=10)),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_standardise_accepts_any_registry_text(tmp_path_factory, rows) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("std") / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "record_id": [str(i) for i in range(len(rows))],
                "forenames": [r[0] for r in rows],
                "surname": [r[1] for r in rows],
                "birth_year": pa.array([None] * len(rows), pa.int64()),
                "birth_month": pa.array([None] * len(rows), pa.int64()),
                "date_of_birth": pa.array([None] * len(rows), pa.date32()),
                "postcode": [r[2] for r in rows],
            }
        ),
        path,
    )
    con = duckdb.connect()
    register_nicknames(con)
    assert registry_table(con, [path]) == len(rows)
    for fn, sn in con.execute("SELECT forename, surname FROM linkage_registry").fetchall():
        assert fn is None or (fn and fn.isalpha() and fn.islower())
        assert sn is None or (sn and sn.replace("'", "").isalpha())


def test_standardise_shapes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.parquet"
    pq.write_table(
        pa.table(
            {
                "record_id": ["1"],
                "forenames": ["Bob James"],
                "surname": ["Smith-Jones"],
                "birth_year": [1980],
                "birth_month": [3],
                "date_of_birth": pa.array([None], pa.date32()),
                "postcode": ["sw1a 1aa"],
            }
        ),
        path,
    )
    con = duckdb.connect()
    register_nicknames(con)
    registry_table(con, [path])
    row = con.sql("SELECT * FROM linkage_registry").fetchall()[0]
    cols = [d[0] for d in con.sql("SELECT * FROM linkage_registry").description]
    got = dict(zip(cols, row, strict=True))
    assert got["forename"] == "bob" and got["forename_canon"] == "robert"
    assert got["surname"] == "smithjones" and got["surname_parts"] == ["smith", "jones"]
    assert (got["birth_year"], got["birth_month"], got["birth_day"]) == (1980, 3, None)
    assert got["postcode_district"] == "SW1A" and got["postcode_area"] == "SW"


def test_explanation_and_svg() -> None:
    contribs = [
        Contribution("prior", "base rate", 2**-10, -10.0),
        Contribution("surname", "surname agrees exactly", 2**8.1, 8.1),
        Contribution("forename", "forename is a known short form", 2**4.2, 4.2),
        Contribution("date_of_birth", "date of birth missing", 1.0, 0.0),
    ]
    text = explanation(contribs, {"forename": "bob/robert"})
    assert text.startswith(
        "surname agrees exactly (+8.1); forename is a known short form: bob/robert (+4.2); "
        "date of birth missing (+0.0)"
    )
    assert "total +2.3" in text
    svg = waterfall_svg(contribs, "t <&>")
    assert svg.count("<rect") == 5 and "t &lt;&amp;&gt;" in svg and "<script" not in svg
