"""Every knob of the synthetic force, in one validated model."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class ScenarioRates(BaseModel):
    """Fraction of eligible staff who get each injected scenario.

    The count is drawn binomially from the eligible pool, but never below the number of the
    scenario's variants (when `min_each_variant`), so a small demo force still shows every kind.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    roster_manipulation: float = Field(default=0.01, ge=0, le=0.2)
    overtime_no_presence: float = Field(default=0.01, ge=0, le=0.2)
    double_claim: float = Field(default=0.008, ge=0, le=0.2)
    self_authorised_claim: float = Field(default=0.01, ge=0, le=0.2)
    undeclared_secondary_employment: float = Field(default=0.008, ge=0, le=0.2)
    undeclared_membership: float = Field(default=0.005, ge=0, le=0.2)
    hybrid_noncompliance: float = Field(default=0.05, ge=0, le=0.5, description="Of policy staff.")
    system_misuse: float = Field(default=0.012, ge=0, le=0.2)
    complaint_pattern: float = Field(default=0.008, ge=0, le=0.2)
    undeclared_supplier_gifts: float = Field(default=0.005, ge=0, le=0.2)
    vetting_lapsed: float = Field(default=0.006, ge=0, le=0.2)
    training_overdue: float = Field(default=0.008, ge=0, le=0.2)
    excessive_hours: float = Field(default=0.008, ge=0, le=0.2)
    no_leave: float = Field(default=0.005, ge=0, le=0.2)
    rising_sickness_overtime: float = Field(default=0.006, ge=0, le=0.2)
    # benign look-alikes
    major_event_heavy_overtime: float = Field(default=0.01, ge=0, le=0.3)
    declared_second_job: float = Field(default=0.01, ge=0, le=0.3)
    attendance_exemption: float = Field(default=0.06, ge=0, le=0.5, description="Of policy staff.")
    reasonable_adjustment: float = Field(default=0.01, ge=0, le=0.3)
    registry_namesake: float = Field(default=0.004, ge=0, le=0.2)
    min_each_variant: bool = Field(default=True, description="At least one person per variant.")


class SynthConfig(BaseModel):
    """A synthetic force: its size, period, seed and texture."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff: int = Field(default=2000, ge=50, le=200_000, description="Staff on the books.")
    days: int = Field(default=180, ge=14, le=1100, description="Days of activity.")
    seed: int = Field(default=1, ge=0)
    start: date = Field(default=date(2025, 1, 6), description="First day of activity.")
    device_share: float = Field(default=0.12, ge=0, le=1, description="Staff with a force device.")
    ping_minutes: int = Field(default=30, ge=5, le=240, description="Ping interval near duty.")
    offduty_ping_minutes: int = Field(
        default=240, ge=30, le=1440, description="Ping interval away from duty (around the clock)."
    )
    registry_size_factor: float = Field(
        default=2.0, ge=0.1, le=200, description="Non-staff registry rows per member of staff."
    )
    lookups_per_duty: float = Field(default=1.2, ge=0, le=50, description="IT look-ups per shift.")
    missing_swipe_out: float = Field(default=0.08, ge=0, le=1)
    chunk_staff: int = Field(default=2500, ge=100, description="Staff per generation chunk.")
    rates: ScenarioRates = Field(default_factory=ScenarioRates)
