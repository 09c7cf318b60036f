"""Fit the Splink model without labels: u by sampling (rare levels counted), m by EM, prior.

Training needs pairs, not every record: with a registry of millions of rows it runs on all
staff against a deterministic sample of the registry (``TRAINING_REGISTRY_ROWS``). Splink
blocks an EM pass by joining the two inputs stacked on themselves, so a big registry also
pairs its own rows with each other before dropping them; the sample keeps that work small.
The m and u probabilities are conditional on match status and do not change by sampling
one side; the prior is taken over the full registry, and EM starts from it.
"""

from __future__ import annotations

import copy
from typing import Any

from integritas.linkage.comparisons import TRAINING_RULES, settings, training_blocking_rules
from integritas.linkage.exact_u import exact_u, with_exact_u
from integritas.linkage.training import DETERMINISTIC_RULES, RECALL_OF_DETERMINISTIC_RULES, smooth_m

MIN_TRAINING_PAIRS = 200
"""An EM pass needs at least this many pairs to be worth running (else the next rule)."""
EM_MAX_PAIRS = 1e6
"""An EM pass trains on about this many of its rule's pairs (a hash sample of records on
each side): a million pairs hold thousands of matches."""
EM_WITHOUT_TERM_FREQUENCIES = True
"""EM then iterates over distinct comparison patterns, not over every pair."""
TRAINING_REGISTRY_ROWS = 1_000_000
"""Registry rows training sees at most (all staff always)."""


def most_matches(n_staff: int, n_registry: int) -> float:
    """The prior if every member of staff had one registry entry: an upper bound."""
    return min(0.5, max(1e-9, n_staff / max(1, n_staff * n_registry)))


def estimated_prior(con: Any, n_staff: int, n_reg: int) -> float:
    """How likely two random records match, from pairs that are near-certain matches
    (``training.DETERMINISTIC_RULES``) scaled up by their assumed recall; kept between one
    match in the whole product and one registry entry per member of staff."""
    pairs = 0
    for cols in DETERMINISTIC_RULES:
        on = " AND ".join(f"l.{c} = r.{c}" for c in cols)
        sql = (
            "SELECT count(DISTINCT (l.unique_id, r.unique_id)) FROM linkage_staff l "
            f"JOIN linkage_registry r ON {on}"
        )
        pairs = max(pairs, int(con.execute(sql).fetchall()[0][0]))
    total = max(1, n_staff * n_reg)
    matches = pairs / RECALL_OF_DETERMINISTIC_RULES
    return min(most_matches(n_staff, n_reg), max(1.0 / total, matches / total))


def _pairs(con: Any, cols: tuple[str, ...], cap: int, right: str) -> int:
    """Pairs the rule gives, counted up to ``cap`` (so a loose rule on 5M rows stays cheap)."""
    on = " AND ".join(f"l.{c} = r.{c}" for c in cols)
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM linkage_staff l JOIN {right} r "
        f"ON {on} LIMIT {int(cap)})"
    )
    return int(con.execute(sql).fetchall()[0][0])


def viable_training_rules(
    con: Any, minimum: int = MIN_TRAINING_PAIRS, right: str = "linkage_registry"
) -> list[list[tuple[str, ...]]]:
    """For each EM pass, its alternatives worth trying, best first: those giving ``minimum``
    pairs in declared order, then the others that give any pairs, most first. Registries
    differ in what they hold, and an empty rule cannot train."""
    out = []
    for group in TRAINING_RULES:
        counts = [(_pairs(con, cols, minimum, right), cols) for cols in group]
        enough = [cols for n, cols in counts if n >= minimum]
        rest = [cols for n, cols in sorted(counts, key=lambda c: -c[0]) if 0 < n < minimum]
        if enough or rest:
            out.append(enough + rest)
    return out


def pick_training_rules(con: Any, minimum: int = MIN_TRAINING_PAIRS) -> list[tuple[str, ...]]:
    """The first viable alternative of each EM pass."""
    return [alts[0] for alts in viable_training_rules(con, minimum)]


def _m_values(model: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        comp["output_column_name"]: [lv.get("m_probability") for lv in comp["comparison_levels"]]
        for comp in model["comparisons"]
    }


def _train_em(linker: Any, rebuild: Any, smooth: Any, con: Any, right: str) -> dict[str, Any]:
    """Run each EM pass with its first alternative that trains; returns the model with EM's
    own m probabilities (the caller blends them with the prior once).

    Each pass starts from a model whose m probabilities are blended with the prior
    (``smooth(model)``, ``training.smooth_m``). A level EM saw no match at comes out of a
    pass with m = 0, and the next pass blocked on that field would then start from a prior
    of 0 (Splink scales the prior by the Bayes factor of the levels its rule implies): only
    pairs with overwhelming evidence, such as swapped names, would count as matches, and EM
    can settle there. Splink 5 also refuses an m that EM drives to exactly 0 part-way
    through a pass; the linker is then rebuilt from the last good model (``rebuild``) and
    the next alternative is tried.
    """
    good = smooth(linker.misc.save_model_to_json())
    linker = rebuild(good)
    estimated: dict[str, list[Any]] = {}  # comparison -> EM's m, from the pass that trained it
    for alternatives in viable_training_rules(con, right=right):
        for cols in alternatives:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    training_blocking_rules([cols])[0],
                    max_pairs=EM_MAX_PAIRS,
                    estimate_without_term_frequencies=EM_WITHOUT_TERM_FREQUENCIES,
                )
            except ValueError as exc:
                if "below the minimum allowed" not in str(exc):
                    raise
                linker = rebuild(good)
                continue
            after = linker.misc.save_model_to_json()
            # A comparison the rule blocks on is copied through unchanged; the others moved.
            before_m = _m_values(good)
            for name, ms in _m_values(after).items():
                if ms != before_m[name]:
                    estimated[name] = ms
            good = smooth(after)
            linker = rebuild(good)
            break
    out = copy.deepcopy(good)
    for comp in out["comparisons"]:
        for level, m in zip(
            comp["comparison_levels"], estimated.get(comp["output_column_name"], []), strict=True
        ):
            if m is not None:
                level["m_probability"] = m
    return out


def training_registry(con: Any, n_reg: int, rows: int = TRAINING_REGISTRY_ROWS) -> str:
    """The registry table training reads: the whole registry, or about ``rows`` rows chosen
    by a hash of their id (the same rows on every run; one scan, no sort)."""
    if n_reg <= rows:
        return "linkage_registry"
    below = int(rows / n_reg * 2**64)
    con.execute(
        "CREATE OR REPLACE TABLE linkage_registry_training AS SELECT * FROM linkage_registry "
        f"WHERE hash(unique_id) < {below}::UBIGINT"
    )
    return "linkage_registry_training"


def fit_model(
    con: Any,
    register: Any,
    *,
    n_staff: int,
    n_reg: int,
    u_max_pairs: float,
    seed: int,
) -> dict[str, Any]:
    """The trained model dictionary, prior included. ``register(table, name)`` makes a
    backend table of a DuckDB table in ``con`` (``linkage_staff``, a registry table), each
    once."""
    from splink import Linker

    right_table = training_registry(con, n_reg)
    n_train = con.execute(f"SELECT count(*) FROM {right_table}").fetchall()[0][0]
    prior = estimated_prior(con, n_staff, n_reg)
    # Splink orders the two sides by name: "a_..." keeps staff on the left (_l).
    sides = [register("linkage_staff", "a_staff_train"), register(right_table, "b_registry_train")]
    linker = Linker(sides, settings(prior), log_level="ERROR")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    # Rare exact-agreement levels are counted over every pair rather than sampled.
    counted = with_exact_u(linker.misc.save_model_to_json(), exact_u(con, right=right_table))
    trained = _train_em(
        Linker(sides, counted, log_level="ERROR"),
        lambda model: Linker(sides, model, log_level="ERROR"),
        lambda model: smooth_m(model, expected_matches=prior * n_staff * n_train),
        con,
        right_table,
    )
    if right_table != "linkage_registry":
        con.execute(f"DROP TABLE {right_table}")
    trained["probability_two_random_records_match"] = prior
    return smooth_m(trained, expected_matches=prior * n_staff * n_reg)
