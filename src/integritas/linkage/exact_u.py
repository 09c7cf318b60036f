"""u probabilities of exact-agreement levels, counted over every pair instead of sampled.

Splink estimates u (how often a level occurs among pairs that do not match) from a random
sample of pairs. A level as rare as "full postcode agrees" (about one pair in a million) is
then seen a handful of times or not at all; unseen, Splink falls back to a fixed default,
and the strongest evidence a registry holds is worth a few bits instead of twenty, varying
from run to run with the sample. For levels that are plain equality on a column
(``comparisons.EXACT_CHAINS``) the count over all pairs is cheap: group each side by the
value and multiply the counts. Training passes its tables: all staff against the registry,
or against the registry's training sample (``fit.py``), which still makes billions of pairs
where sampling makes two million.

True matches are kept out by counting only pairs whose surnames differ (the conditional
independence EM assumes anyway). The few true matches whose surname changed stay in, so u
comes out slightly too large: the evidence is weakened, never strengthened.
"""

from __future__ import annotations

import copy
from typing import Any

from integritas.linkage.comparisons import EXACT_CHAINS, ExactChain

_PAIRS = """
WITH l AS (SELECT surname AS s FROM {left} WHERE {present} IS NOT NULL AND surname IS NOT NULL),
r AS (SELECT surname AS s FROM {right} WHERE {present} IS NOT NULL AND surname IS NOT NULL)
SELECT (SELECT count(*) FROM l)::DOUBLE * (SELECT count(*) FROM r),
  coalesce((SELECT sum(a.n::DOUBLE * b.n)
            FROM (SELECT s, count(*) AS n FROM l GROUP BY s) a
            JOIN (SELECT s, count(*) AS n FROM r GROUP BY s) b USING (s)), 0)
"""

_AGREE = """
WITH l AS (SELECT {column} AS v, surname AS s FROM {left}
           WHERE {present} IS NOT NULL AND surname IS NOT NULL AND {column} IS NOT NULL),
r AS (SELECT {column} AS v, surname AS s FROM {right}
      WHERE {present} IS NOT NULL AND surname IS NOT NULL AND {column} IS NOT NULL)
SELECT coalesce((SELECT sum(a.n::DOUBLE * b.n)
                 FROM (SELECT v, count(*) AS n FROM l GROUP BY v) a
                 JOIN (SELECT v, count(*) AS n FROM r GROUP BY v) b USING (v)), 0)
     - coalesce((SELECT sum(a.n::DOUBLE * b.n)
                 FROM (SELECT v, s, count(*) AS n FROM l GROUP BY v, s) a
                 JOIN (SELECT v, s, count(*) AS n FROM r GROUP BY v, s) b USING (v, s)), 0)
"""


def chain_u(
    con: Any, chain: ExactChain, *, left: str = "linkage_staff", right: str = "linkage_registry"
) -> dict[str, float]:
    """Level label -> u, for one chain; empty when no pair has differing surnames.

    A level's u is the share of pairs agreeing on its column less the share agreeing on the
    previous (stricter) column; a level no such pair shows counts as one pair, so its weight
    stays finite."""
    fmt = {"left": left, "right": right, "present": chain.present}
    pairs, same = con.execute(_PAIRS.format(**fmt)).fetchall()[0]
    others = float(pairs) - float(same)
    if others <= 0:
        return {}
    out: dict[str, float] = {}
    stricter = 0.0
    for label, column in chain.levels:
        agree = float(con.execute(_AGREE.format(**fmt, column=column)).fetchall()[0][0])
        out[label] = max(agree - stricter, 1.0) / others
        stricter = max(stricter, agree)
    return out


def exact_u(con: Any, **tables: str) -> dict[str, dict[str, float]]:
    """Comparison -> level label -> u, for every declared chain."""
    return {chain.comparison: chain_u(con, chain, **tables) for chain in EXACT_CHAINS}


def with_exact_u(model: dict[str, Any], values: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A copy of the Splink model dictionary with those u probabilities put in."""
    out = copy.deepcopy(model)
    for comp in out["comparisons"]:
        counted = values.get(comp["output_column_name"], {})
        for level in comp["comparison_levels"]:
            label = level.get("label_for_charts")
            if not level.get("is_null_level") and label in counted:
                level["u_probability"] = counted[label]
    return out
