"""The Splink model: comparisons fitted to British names, blocking rules, training rules.

Every comparison level carries a plain-English label (``label_for_charts``): the explanation
of a candidate is built from those labels, so they are written for a reviewer to read.
Both sides are standardised first (``standardise.py``): columns ``forename``,
``forename_canon``, ``forename_family``, ``initial``, ``surname``, ``surname_parts``,
``dob``, ``dob_text``, ``birth_year``, ``birth_month``, ``birth_day``, ``postcode_full``,
``postcode_district``, ``postcode_area``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_NAME_FIELDS = ("forename", "surname", "date_of_birth", "postcode")

M_PRIOR: dict[str, float] = {
    # How true matches typically spread over each comparison's levels in British staff vs
    # registry data (the Dirichlet prior of ``training.smooth_m``; EM's estimate dominates
    # as soon as a registry holds more than a few dozen matches). Keyed by level label.
    "forename agrees exactly": 0.80,
    "forename is a known short form": 0.06,
    "forename and surname swapped": 0.02,
    "forename differs by one typing slip": 0.04,
    "forename is spelt similarly": 0.03,
    "only an initial is given, and it agrees": 0.03,
    "only the initial agrees": 0.01,
    "forename differs": 0.01,
    "surname agrees exactly": 0.82,
    "surname and forename swapped": 0.02,
    "surname differs by one typing slip": 0.05,
    "one part of a double-barrelled surname agrees": 0.05,
    "surname is spelt similarly": 0.03,
    "surname differs": 0.03,
    "date of birth agrees exactly": 0.80,
    "date of birth with day and month transposed": 0.02,
    "date of birth differs by one digit": 0.04,
    "year and month of birth agree, no day given": 0.08,
    "year and month of birth agree, the day differs": 0.01,
    "year of birth agrees, no month given": 0.01,
    "only the year of birth agrees": 0.02,
    "date of birth differs": 0.03,
    "full postcode agrees": 0.60,
    "postcode district agrees": 0.20,
    "only the postcode area agrees": 0.08,
    "postcode differs": 0.12,
}


def comparisons() -> list[Any]:
    """Splink comparison creators, one per field (order is the explanation's order)."""
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    # Swapped names score in both the forename and the surname comparison: both fields
    # really agree (crosswise), and EM learns how rare that is for each.
    swapped = cll.ColumnsReversedLevel("forename", "surname", symmetrical=False).configure(
        label_for_charts="forename and surname swapped"
    )
    forename = CustomComparison(
        output_column_name="forename",
        comparison_description="forename",
        comparison_levels=[
            cll.NullLevel("forename").configure(label_for_charts="forename missing"),
            cll.ExactMatchLevel("forename").configure(label_for_charts="forename agrees exactly"),
            # Families, not one canonical form: Jon is John's and Jonathan's short form.
            cll.ArrayIntersectLevel("forename_family", 1).configure(
                label_for_charts="forename is a known short form"
            ),
            swapped,
            cll.DamerauLevenshteinLevel("forename", 1).configure(
                label_for_charts="forename differs by one typing slip"
            ),
            cll.JaroWinklerLevel("forename", 0.88).configure(
                label_for_charts="forename is spelt similarly"
            ),
            cll.CustomLevel(
                "(length(forename_l) = 1 OR length(forename_r) = 1) AND initial_l = initial_r"
            ).configure(label_for_charts="only an initial is given, and it agrees"),
            cll.ExactMatchLevel("initial").configure(label_for_charts="only the initial agrees"),
            cll.ElseLevel().configure(label_for_charts="forename differs"),
        ],
    )
    surname = CustomComparison(
        output_column_name="surname",
        comparison_description="surname",
        comparison_levels=[
            cll.NullLevel("surname").configure(label_for_charts="surname missing"),
            cll.ExactMatchLevel("surname").configure(
                label_for_charts="surname agrees exactly",
                tf_adjustment_column="surname",
                tf_adjustment_weight=1.0,
            ),
            cll.ColumnsReversedLevel("surname", "forename", symmetrical=False).configure(
                label_for_charts="surname and forename swapped"
            ),
            cll.DamerauLevenshteinLevel("surname", 1).configure(
                label_for_charts="surname differs by one typing slip"
            ),
            cll.ArrayIntersectLevel("surname_parts", 1).configure(
                label_for_charts="one part of a double-barrelled surname agrees"
            ),
            cll.JaroWinklerLevel("surname", 0.88).configure(
                label_for_charts="surname is spelt similarly"
            ),
            cll.ElseLevel().configure(label_for_charts="surname differs"),
        ],
    )
    dob = CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="date of birth",
        comparison_levels=[
            cll.NullLevel("birth_year").configure(label_for_charts="date of birth missing"),
            cll.ExactMatchLevel("dob").configure(label_for_charts="date of birth agrees exactly"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
                "AND birth_day_l = birth_month_r AND birth_day_l <> birth_month_l"
            ).configure(label_for_charts="date of birth with day and month transposed"),
            cll.DamerauLevenshteinLevel("dob_text", 1).configure(
                label_for_charts="date of birth differs by one digit"
            ),
            # A date given only to the month (as companies registers do) agrees as far as it
            # goes; two full dates in the same month with different days do not. Kept apart,
            # each level's weight says how much its evidence is worth.
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_month_r "
                "AND (birth_day_l IS NULL OR birth_day_r IS NULL)"
            ).configure(label_for_charts="year and month of birth agree, no day given"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_month_r"
            ).configure(label_for_charts="year and month of birth agree, the day differs"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_month_l IS NULL OR birth_month_r IS NULL)"
            ).configure(label_for_charts="year of birth agrees, no month given"),
            cll.ExactMatchLevel("birth_year").configure(
                label_for_charts="only the year of birth agrees"
            ),
            cll.ElseLevel().configure(label_for_charts="date of birth differs"),
        ],
    )
    postcode = CustomComparison(
        output_column_name="postcode",
        comparison_description="postcode district",
        comparison_levels=[
            cll.NullLevel("postcode_district").configure(label_for_charts="postcode missing"),
            cll.ExactMatchLevel("postcode_full").configure(label_for_charts="full postcode agrees"),
            cll.ExactMatchLevel("postcode_district").configure(
                label_for_charts="postcode district agrees"
            ),
            cll.ExactMatchLevel("postcode_area").configure(
                label_for_charts="only the postcode area agrees"
            ),
            cll.ElseLevel().configure(label_for_charts="postcode differs"),
        ],
    )
    return [forename, surname, dob, postcode]


@dataclass(frozen=True)
class ExactChain:
    """Levels of one comparison that are plain equality on a column, each implied by the one
    before (a full postcode agreeing implies its district agreeing): their u probabilities
    are counted over every pair (``exact_u.py``) instead of sampled."""

    comparison: str
    present: str
    """The column whose null makes the comparison's null level."""
    levels: tuple[tuple[str, str], ...]
    """(level label, column), in the comparison's order, from its first non-null level."""


EXACT_CHAINS: tuple[ExactChain, ...] = (
    ExactChain(
        "postcode",
        "postcode_district",
        (
            ("full postcode agrees", "postcode_full"),
            ("postcode district agrees", "postcode_district"),
            ("only the postcode area agrees", "postcode_area"),
        ),
    ),
    ExactChain("date_of_birth", "birth_year", (("date of birth agrees exactly", "dob"),)),
)


def prediction_blocking_rules() -> list[Any]:
    """Rules generating candidate pairs: equi-joins, each on a name and something else, so
    50k x 5M stays tractable (a shared name alone gives tens of millions of pairs).

    A pair found by none of them agrees on at most a name and weak evidence: it cannot
    reach the floor, except a name-only registry entry of a very rare name, which no
    automatic link should rest on anyway. Each rule names the variants it is there for.
    """
    from splink import block_on

    return [
        block_on("forename_canon", "surname", "birth_year"),  # names agree, any date detail
        block_on("forename_canon", "surname", "postcode_district"),  # no date of birth
        block_on("surname", "dob"),  # forename slip, initial, short form
        block_on("surname", "birth_year", "birth_month", "initial"),  # the same, month only
        block_on("forename_canon", "dob"),  # surname slip or changed
        block_on("forename_canon", "birth_year", "birth_month", "substr(surname, 1, 1)"),
        block_on("forename_canon", "birth_year", "birth_month", "postcode_district"),
        block_on("surname_first", "forename_canon", "birth_year"),  # double-barrelled
        block_on("surname_last", "forename_canon", "birth_year"),
        block_on("surname", "postcode_full"),  # no date of birth, forename varies
        block_on("forename_canon", "postcode_full"),  # no date of birth, surname varies
        # swapped names: the staff forename is the registry surname and vice versa
        "l.forename = r.surname AND l.surname = r.forename",
    ]


TRAINING_RULES: tuple[tuple[tuple[str, ...], ...], ...] = (
    # Names agree: trains date of birth and postcode.
    (("forename_canon", "surname"), ("surname", "initial")),
    # Something other than names agrees: trains forename and surname. The first rule that
    # yields enough pairs is used (a companies register gives only year and month of birth).
    (
        ("dob", "postcode_district"),
        ("birth_year", "birth_month", "postcode_district"),
        ("dob",),
        ("birth_year", "birth_month", "postcode_area"),
        ("postcode_district",),
    ),
)
"""Alternatives for each EM pass, in order of preference (see ``fit.pick_training_rules``)."""


def training_blocking_rules(columns: list[tuple[str, ...]] | None = None) -> list[Any]:
    """EM rules: each leaves the fields it does not block on free to be estimated."""
    from splink import block_on

    chosen = columns if columns is not None else [group[0] for group in TRAINING_RULES]
    return [block_on(*cols) for cols in chosen]


def settings(prior: float) -> Any:
    """Splink settings for a link-only run of staff (left) against a registry (right)."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        probability_two_random_records_match=prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        max_iterations=20,
    )


FIELD_NAMES = _NAME_FIELDS
