"""Disparity arithmetic: flag rates by group, adverse impact ratio, Fisher's exact test.

Being flagged is the adverse outcome. The most favourably treated group is the reported group
with the lowest flag rate; a group's adverse impact ratio is that lowest rate divided by the
group's own rate (1.0 for the reference group; below 0.8 means the group is flagged at more
than 1.25 times the reference rate — the four-fifths rule read for an adverse outcome).
Significance: two-sided Fisher's exact test (scipy) on the 2x2 table of flagged / not flagged
for the group against the reference group. Groups smaller than the small-cell threshold are
never shown alone: they are pooled into one "small groups combined" row, itself suppressed
when the pool is still under the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import fisher_exact

AIR_THRESHOLD = 0.8
ALPHA = 0.05
POOLED = "small groups combined"


@dataclass(frozen=True)
class GroupCount:
    group: str
    n: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.n if self.n else 0.0


@dataclass(frozen=True)
class GroupResult:
    dimension: str
    group: str
    n: int
    flagged: int
    rate: float
    reference: str
    ratio: float
    p_value: float
    small_groups: int = 0  # for the pooled row: how many groups it holds

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    @property
    def adverse(self) -> bool:
        """Below the four-fifths line and significant: blocks going live without justification."""
        return self.ratio < AIR_THRESHOLD and self.significant


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    groups: tuple[GroupResult, ...]
    suppressed_groups: int  # groups too small to show even pooled

    @property
    def adverse(self) -> tuple[GroupResult, ...]:
        return tuple(g for g in self.groups if g.adverse)


def impact_ratio(reference_rate: float, rate: float) -> float:
    if rate == 0:
        return 1.0
    return reference_rate / rate


def fisher_p(flagged_a: int, n_a: int, flagged_b: int, n_b: int) -> float:
    """Two-sided Fisher exact p for flagged/not flagged in group a vs group b."""
    table = [[flagged_a, n_a - flagged_a], [flagged_b, n_b - flagged_b]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


def compare(dimension: str, counts: list[GroupCount], small_cell_k: int) -> DimensionResult:
    """Rates, ratios against the most favoured group and p-values for one dimension."""
    shown = [c for c in counts if c.n >= small_cell_k]
    small = [c for c in counts if 0 < c.n < small_cell_k]
    suppressed = 0
    if small:
        pooled = GroupCount(POOLED, sum(c.n for c in small), sum(c.flagged for c in small))
        if pooled.n >= small_cell_k:
            shown.append(pooled)
        else:
            suppressed = len(small)
    if not shown:
        return DimensionResult(dimension, (), suppressed)
    # The reference is a real group, never the pool of small ones.
    candidates = [c for c in shown if c.group != POOLED] or shown
    ref = min(candidates, key=lambda c: (c.rate, -c.n, c.group))
    results = []
    for c in sorted(shown, key=lambda c: c.group):
        p = 1.0 if c is ref else fisher_p(c.flagged, c.n, ref.flagged, ref.n)
        results.append(
            GroupResult(
                dimension=dimension,
                group=c.group,
                n=c.n,
                flagged=c.flagged,
                rate=c.rate,
                reference=ref.group,
                ratio=impact_ratio(ref.rate, c.rate),
                p_value=p,
                small_groups=len(small) if c.group == POOLED else 0,
            )
        )
    return DimensionResult(dimension, tuple(results), suppressed)
