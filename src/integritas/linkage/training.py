"""Unsupervised training that stays sane on small registries.

Expectation maximisation alone over-fits when a registry holds only a few dozen true
matches: a level EM never saw among matches gets m = 0 (a weight of -250 bits) and one
nickname then vetoes a true match. We keep EM as the trainer and add a Dirichlet prior
on each comparison's m probabilities: ``PSEUDO_MATCHES`` imaginary matches distributed as
``comparisons.M_PRIOR`` says (what British name data typically shows). With thousands of
matches the data dominate; with dozens the prior keeps every level's weight finite.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from integritas.linkage.comparisons import M_PRIOR

PSEUDO_MATCHES = 40.0
RECALL_OF_DETERMINISTIC_RULES = 0.7
DETERMINISTIC_RULES: tuple[tuple[str, ...], ...] = (
    ("forename_canon", "surname", "dob"),
    ("forename_canon", "surname", "birth_year", "birth_month", "postcode_district"),
)
"""Pairs almost surely the same person; their count estimates how many matches exist."""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def smooth_m(model: dict[str, Any], *, expected_matches: float) -> dict[str, Any]:
    """A copy of ``model`` whose m probabilities are EM's, blended with the prior."""
    out = copy.deepcopy(model)
    n = max(0.0, expected_matches)
    for comp in out["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        priors = [M_PRIOR.get(str(lv.get("label_for_charts")), 0.01) for lv in levels]
        total_prior = sum(priors)
        em = [_number(lv.get("m_probability")) for lv in levels]
        # A comparison EM never trained (every m missing) takes the prior alone.
        weight = n if sum(em) > 0.5 else 0.0
        for lv, prior, m in zip(levels, priors, em, strict=True):
            p = prior / total_prior
            lv["m_probability"] = (m * weight + p * PSEUDO_MATCHES) / (weight + PSEUDO_MATCHES)
    return out


PRIOR_SLACK_BITS = 12.0
"""Pairs this far below the floor are scored too, so the prior's re-estimate sees them."""


def refined_prior(
    weights: Any, *, prior: float, total_pairs: int, rounds: int = 50
) -> tuple[float, float]:
    """EM on the prior alone, with m and u fixed: the share of pairs that match is the sum
    of their match probabilities over all pairs. ``weights`` are the pairs' match weights
    under ``prior``; returns the new prior and the shift (bits) to add to every weight."""
    import numpy as np

    w = np.asarray(weights, dtype=float)
    total = max(1, total_pairs)
    lo, hi = 1.0 / total, 0.5

    def logit2(p: float) -> float:
        return math.log2(p / (1 - p))

    current = min(max(prior, lo), hi)
    for _ in range(rounds):
        shift = logit2(current) - logit2(prior)
        expected = float(np.sum(1.0 / (1.0 + np.exp2(-(w + shift)))))
        new = min(max(expected / total, lo), hi)
        done = abs(logit2(new) - logit2(current)) < 1e-4
        current = new
        if done:
            break
    return current, logit2(current) - logit2(prior)


def refine_prior(
    table: Any, *, prior: float, total_pairs: int, rounds: int = 50
) -> tuple[Any, float]:
    """``refined_prior`` on an Arrow table of scored pairs; returns the table with
    ``match_weight`` and ``match_probability`` shifted to the new prior, and that prior."""
    import numpy as np
    import pyarrow as pa

    weights = np.asarray(table["match_weight"].to_numpy(zero_copy_only=False), dtype=float)
    current, shift = refined_prior(weights, prior=prior, total_pairs=total_pairs, rounds=rounds)
    shifted = weights + shift
    out = table.set_column(
        table.schema.get_field_index("match_weight"), "match_weight", pa.array(shifted)
    )
    out = out.set_column(
        out.schema.get_field_index("match_probability"),
        "match_probability",
        pa.array(1.0 / (1.0 + np.exp2(-shifted))),
    )
    return out, current
