"""Declared rules and the flags they raise (frozen data)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(StrEnum):
    SECONDARY = "secondary"  # welfare / early intervention: routed to the line manager
    TERTIARY = "tertiary"  # possible misconduct: routed to the professional-standards queue


class Mode(StrEnum):
    SHADOW = "shadow"  # recorded, measured, never shown for triage
    LIVE = "live"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Direction(StrEnum):
    ABOVE = "above"  # higher values are the concern (self-edits, look-ups)
    BELOW = "below"  # lower values are the concern (office attendance)


class Persistence(Frozen):
    """The condition must hold in at least ``k`` of the last ``n`` periods (current included)."""

    k: int = Field(ge=1)
    n: int = Field(ge=1)

    @model_validator(mode="after")
    def _k_le_n(self) -> Persistence:
        if self.k > self.n:
            raise ValueError(f"persistence k={self.k} exceeds n={self.n}")
        return self

    @property
    def label(self) -> str:
        return f"in {self.k} of the last {self.n} periods"


class Rule(Frozen):
    """Turns the values of one metric into flags.

    Conditions combine with AND: a policy threshold (``threshold``), a peer comparison (robust z
    from the peer median and MAD, ``min_robust_z``; or a percentile, ``min_percentile``) and
    persistence. A peer condition never fires where the peer group is smaller than
    ``min_peer_group``. Named context suppressors then remove hits with a legitimate explanation.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    title: str
    owner: str
    tier: Tier
    mode: Mode = Mode.SHADOW
    severity: Severity = Severity.MEDIUM
    metric: str
    direction: Direction = Direction.ABOVE
    threshold: float | None = None
    min_robust_z: float | None = None
    min_percentile: float | None = Field(default=None, ge=0, le=100)
    mad_floor: float = Field(
        default=1.0, gt=0, description="Smallest peer spread used for robust z (MAD can be 0)."
    )
    min_peer_group: int = Field(default=5, ge=2)
    persistence: Persistence | None = None
    suppressors: tuple[str, ...] = ()
    scenario: str = Field(description="The behaviour this rule is an indicator of.")
    explanation: str = Field(
        description="Plain-language template; placeholders: value, threshold, peer_median, "
        "peer_low, peer_high, peer_n, robust_z, percentile, periods_hit, periods_window, "
        "period_start, period_end."
    )
    rationale: str = Field(description="Why this indicator is proportionate and what it misses.")

    @model_validator(mode="after")
    def _has_condition(self) -> Rule:
        if self.threshold is None and self.min_robust_z is None and self.min_percentile is None:
            raise ValueError(f"rule {self.name!r} declares no condition")
        return self

    @property
    def key(self) -> str:
        return f"{self.name}@v{self.version}"


class EvidenceRow(Frozen):
    source: str
    batch_id: str
    row_number: int


class Flag(Frozen):
    """One indicator for review, with everything needed to explain it."""

    flag_id: str
    person_id: str
    rule: str
    rule_version: int
    tier: Tier
    severity: Severity
    mode: Mode
    period_start: date
    period_end: date
    metric: str
    value: float
    peer_median: float | None
    peer_mad: float | None
    peer_n: int | None
    peer_low: float | None
    peer_high: float | None
    robust_z: float | None
    percentile: float | None
    periods_hit: int
    evidence: tuple[EvidenceRow, ...]
    explanation: str
    scenario: str
