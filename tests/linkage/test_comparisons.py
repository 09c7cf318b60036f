"""Comparison levels, exact u counts and blocking, on standardised rows, without training."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.linkage.candidate_sql import candidates_table
from integritas.linkage.comparisons import EXACT_CHAINS, comparisons, prediction_blocking_rules
from integritas.linkage.exact_u import chain_u, with_exact_u
from integritas.linkage.explain import LevelLabels, contributions, explanation
from integritas.linkage.nicknames import forename_family
from integritas.linkage.standardise import register_nicknames, registry_table

Person = tuple[str | None, str | None, date | None, int | None, int | None, str | None]
"""forenames, surname, date of birth, birth year, birth month, postcode."""


def _standardised(con: Any, tmp: Path, name: str, people: list[Person]) -> None:
    path = tmp / f"{name}.parquet"
    pq.write_table(
        pa.table(
            {
                "record_id": [f"{name}{i}" for i in range(len(people))],
                "forenames": pa.array([p[0] for p in people], pa.string()),
                "surname": pa.array([p[1] for p in people], pa.string()),
                "date_of_birth": pa.array([p[2] for p in people], pa.date32()),
                "birth_year": pa.array([p[3] for p in people], pa.int64()),
                "birth_month": pa.array([p[4] for p in people], pa.int64()),
                "postcode": pa.array([p[5] for p in people], pa.string()),
            }
        ),
        path,
    )
    registry_table(con, [path], name=name)


def _levels(tmp: Path, left: Person, right: Person) -> dict[str, str]:
    """Comparison -> label of the level the pair falls in, evaluated as Splink would."""
    con = duckdb.connect()
    register_nicknames(con)
    _standardised(con, tmp, "l", [left])
    _standardised(con, tmp, "r", [right])
    cols = [d[0] for d in con.execute("SELECT * FROM l").description]
    pair = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)
    out = {}
    for comp in comparisons():
        spec = comp.create_comparison_dict("duckdb")
        whens = " ".join(
            f"WHEN {lv['sql_condition']} THEN '{lv['label_for_charts']}'"
            for lv in spec["comparison_levels"]
            if lv["sql_condition"] != "ELSE"
        )
        else_label = spec["comparison_levels"][-1]["label_for_charts"]
        sql = f"SELECT CASE {whens} ELSE '{else_label}' END FROM (SELECT {pair} FROM l, r)"
        out[spec["output_column_name"]] = con.execute(sql).fetchall()[0][0]
    return out


STAFF: Person = ("Jonathan", "Cook", date(1972, 5, 30), None, None, "E3 8DU")


@pytest.mark.parametrize(
    ("registry", "field", "label"),
    [
        (("Jon", "Cook", None, None, None, None), "forename", "forename is a known short form"),
        (("Jonny", "Cook", None, None, None, None), "forename", "forename is a known short form"),
        (("J", "Cook", None, None, None, None), "forename", "only an initial is given, and it agrees"),
        (("Cook", "Jonathan", None, None, None, None), "forename", "forename and surname swapped"),
        (("Jonathan", "Cook-Hale", None, None, None, None), "surname",
         "one part of a double-barrelled surname agrees"),
        (("Jonathan", "Cook", None, 1972, 5, None), "date_of_birth",
         "year and month of birth agree, no day given"),
        (("Jonathan", "Cook", date(1972, 5, 14), None, None, None), "date_of_birth",
         "year and month of birth agree, the day differs"),
        (("Jonathan", "Cook", None, 1972, None, None), "date_of_birth",
         "year of birth agrees, no month given"),
        (("Jonathan", "Cook", date(1972, 2, 10), None, None, None), "date_of_birth",
         "only the year of birth agrees"),
        (("Jonathan", "Cook", None, None, None, None), "date_of_birth", "date of birth missing"),
        (("Jonathan", "Cook", None, None, None, "e3 8du"), "postcode", "full postcode agrees"),
        (("Jonathan", "Cook", None, None, None, "E3"), "postcode", "postcode district agrees"),
        (("Jonathan", "Cook", None, None, None, "E38AA"), "postcode", "postcode district agrees"),
        (("Jonathan", "Cook", None, None, None, "E17 1AA"), "postcode",
         "only the postcode area agrees"),
    ],
)  # fmt: skip
def test_comparison_levels(tmp_path: Path, registry: Person, field: str, label: str) -> None:
    assert _levels(tmp_path, STAFF, registry)[field] == label


def test_short_forms_of_several_names(tmp_path: Path) -> None:
    # One canonical form per name cannot say that Joe is Joseph's and Joel's short form.
    assert set(forename_family("Joe")) >= {"joseph", "joel"}
    assert set(forename_family("kate")) >= {"catherine", "katherine"}
    assert forename_family("Zebedee") == ("zebedee",)
    for short, full in [("Joe", "Joseph"), ("Kate", "Katherine"), ("Jon", "John")]:
        levels = _levels(tmp_path, (full, "Lloyd", None, None, None, None), (short, "Lloyd",
                         None, None, None, None))  # fmt: skip
        assert levels["forename"] == "forename is a known short form", short
    unrelated = _levels(tmp_path, ("Joseph", "Lloyd", None, None, None, None),
                        ("Jonathan", "Lloyd", None, None, None, None))  # fmt: skip
    assert unrelated["forename"] == "only the initial agrees"


def _brute_u(con: Any, present: str, columns: list[str]) -> list[float]:
    rows_l = con.execute(f"SELECT {present}, surname, {', '.join(columns)} FROM l").fetchall()
    rows_r = con.execute(f"SELECT {present}, surname, {', '.join(columns)} FROM r").fetchall()
    others, agree = 0, [0] * len(columns)
    for a, b in itertools.product(rows_l, rows_r):
        if a[0] is None or b[0] is None or a[1] is None or b[1] is None or a[1] == b[1]:
            continue
        others += 1
        for i in range(len(columns)):
            agree[i] += a[2 + i] is not None and a[2 + i] == b[2 + i]
    out, stricter = [], 0
    for n in agree:
        out.append(max(n - stricter, 1) / others)
        stricter = max(stricter, n)
    return out


_POSTCODES = ["E3 8DU", "E3 8DA", "E3", "E17 1AA", "SW1A 1AA", None]
_people = st.lists(
    st.tuples(
        st.sampled_from(["Ann", "Bob", None]),
        st.sampled_from(["Cook", "Lloyd", "Shah", None]),
        st.sampled_from([date(1970, 1, 2), date(1970, 1, 3), None]),
        st.none(),
        st.none(),
        st.sampled_from(_POSTCODES),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(_people, _people)
def test_exact_u_equals_counting_every_pair(
    tmp_path_factory: pytest.TempPathFactory, left: list[Person], right: list[Person]
) -> None:
    tmp = tmp_path_factory.mktemp("u")
    con = duckdb.connect()
    register_nicknames(con)
    _standardised(con, tmp, "l", left)
    _standardised(con, tmp, "r", right)
    for chain in EXACT_CHAINS:
        got = chain_u(con, chain, left="l", right="r")
        if not got:
            continue  # no pair with differing surnames: the sampled u stays
        want = _brute_u(con, chain.present, [c for _, c in chain.levels])
        assert list(got) == [label for label, _ in chain.levels]
        assert list(got.values()) == pytest.approx(want)


def test_with_exact_u_sets_only_counted_levels() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "postcode",
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": "postcode missing"},
                    {"label_for_charts": "full postcode agrees", "u_probability": None},
                    {"label_for_charts": "postcode differs", "u_probability": 0.9},
                ],
            }
        ]
    }
    out = with_exact_u(model, {"postcode": {"full postcode agrees": 1e-7}})
    levels = out["comparisons"][0]["comparison_levels"]
    assert [lv.get("u_probability") for lv in levels] == [None, 1e-7, 0.9]
    assert model["comparisons"][0]["comparison_levels"][1]["u_probability"] is None


def test_candidates_sql_matches_the_python_explanation() -> None:
    model = {
        "probability_two_random_records_match": 1e-6,
        "comparisons": [
            {
                "output_column_name": name,
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": f"{name} missing"}
                ]
                + [{"label_for_charts": f"{name} level {i}"} for i in range(3)],
            }
            for name in ("forename", "surname")
        ],
    }
    labels = LevelLabels.from_model(model)
    rng = random.Random(3)
    rows = [
        {
            "unique_id_l": f"P{i}",
            "unique_id_r": f"R{i}",
            "gamma_forename": rng.choice([-1, 0, 1, 2]),
            "gamma_surname": rng.choice([0, 1, 2]),
            "mw_forename": rng.uniform(-8, 8),
            "mw_surname": rng.uniform(-8, 8),
            "mw_tf_adj_surname": rng.choice([None, float("nan"), rng.uniform(-2, 2)]),
            "forename_l": "robert",
            "forename_r": rng.choice(["bob", "robert", None]),
            "surname_l": "smith",
            "surname_r": "smith",
            "organisation_name": f"Org {i}",
        }
        for i in range(40)
    ]
    for r in rows:
        r["match_weight"] = sum(c.weight for c in contributions(r, labels))
        r["match_probability"] = 1 / (1 + 2 ** -r["match_weight"])
    con = duckdb.connect()
    con.register("scored", pa.Table.from_pylist(rows))
    table = candidates_table(
        con, "scored", registry="reg", run_id="run", labels=labels, carried=["organisation_name"]
    )
    got = {r["person_id"]: r for r in table.to_pylist()}
    from integritas.linkage.engine import candidate_id

    for r in rows:
        out = got[r["unique_id_l"]]
        contribs = contributions(r, labels)
        detail = {"forename": f"{r['forename_r']}/robert"} if r["forename_r"] == "bob" else {}
        assert out["explanation"] == explanation(contribs, detail)
        written = json.loads(out["contributions"])
        assert [(c["field"], c["level"]) for c in written] == [(c.field, c.level) for c in contribs]
        for c_sql, c_py in zip(written, contribs, strict=True):
            assert c_sql["weight"] == pytest.approx(c_py.weight, abs=1e-9)
            assert c_sql["bayes_factor"] == pytest.approx(c_py.bayes_factor, rel=1e-9)
        assert out["candidate_id"] == candidate_id("reg", r["unique_id_l"], r["unique_id_r"])
        assert out["organisation_name"] == r["organisation_name"]


def _blocked_pairs(con: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for rule in prediction_blocking_rules():
        sql = rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql
        found |= set(
            con.execute(
                f"SELECT l.unique_id, r.unique_id FROM linkage_staff l "
                f"JOIN linkage_registry r ON {sql}"
            ).fetchall()
        )
    return found


def test_blocking_keeps_every_true_link_with_a_birth_date_or_postcode(
    stage_generated: Callable[[int, int, int], tuple[Any, Any]],
) -> None:
    con, truth = stage_generated(1_000, 20_000, 5)
    with_detail = {
        rid
        for (rid,) in con.execute(
            "SELECT unique_id FROM linkage_registry "
            "WHERE birth_year IS NOT NULL OR postcode_district IS NOT NULL"
        ).fetchall()
    }
    linkable = {(p, r) for p, r in truth if r in with_detail}
    blocked = _blocked_pairs(con)
    assert len(linkable) > 400
    assert linkable <= blocked
