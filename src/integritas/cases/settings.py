"""Case settings (env prefix ``INTEGRITAS_CASES_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CasesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_CASES_", extra="ignore")

    response_days: int = Field(
        default=14, ge=1, description="Days the subject is given to respond after notification."
    )
    precision_floor: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A live rule below this precision is marked for review.",
    )
    precision_min_decisions: int = Field(
        default=5, ge=1, description="Decisions needed before the precision floor applies."
    )
    precision_windows: tuple[int, ...] = Field(
        default=(30, 90, 365), description="Rolling windows (days) for rule precision."
    )
    floor_window_days: int = Field(
        default=90, ge=1, description="The window whose precision is compared with the floor."
    )
    rule_floors: dict[str, float] = Field(
        default_factory=dict, description="Per-rule precision floors overriding the default."
    )
