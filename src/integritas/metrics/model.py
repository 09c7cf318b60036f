"""Frozen metadata of a declared metric."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from integritas.catalog.models import Purpose


class MetricTier(StrEnum):
    PRIMARY = "primary"  # organisation health, per unit; small cells suppressed
    SECONDARY = "secondary"  # welfare / early intervention, per person
    TERTIARY = "tertiary"  # possible misconduct, per person


class Subject(StrEnum):
    PERSON = "person"
    UNIT = "unit"


_PERIOD = re.compile(r"^(day|week|month|rolling_[1-9][0-9]*d)$")
_READ = re.compile(r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class MetricSpec(BaseModel):
    """What a metric is, who owns it and how to explain its value; the code is the definition.

    ``period`` is ``day``, ``week``, ``month`` or ``rolling_<N>d`` (a window of N days ending
    on each period end; the value is reported against calendar months).
    ``explanation`` is a plain-language template with placeholders ``value``, ``peer_low``,
    ``peer_high``, ``peer_median``, ``peer_n``, ``period_start``, ``period_end``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    tier: MetricTier
    subject: Subject
    period: str
    purpose: Purpose
    reads: tuple[str, ...] = Field(min_length=1, description="Catalog fields, `source.field`.")
    owner: str = Field(min_length=2)
    family: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=10)
    explanation: str = Field(min_length=10)
    unit: str = Field(default="count", description="Unit of the value: count, hours, %, ...")
    definition: str = Field(default="", description="Plain-language definition (how computed).")

    @model_validator(mode="after")
    def _consistent(self) -> MetricSpec:
        if not _PERIOD.match(self.period):
            raise ValueError(
                f"metric {self.name!r}: period {self.period!r} is not day, week, month "
                "or rolling_<N>d"
            )
        bad = [r for r in self.reads if not _READ.match(r)]
        if bad:
            raise ValueError(f"metric {self.name!r}: reads must be `source.field`: {bad}")
        repeated = sorted({r for r in self.reads if self.reads.count(r) > 1})
        if repeated:
            raise ValueError(f"metric {self.name!r}: reads lists {repeated} more than once")
        if (self.tier is MetricTier.PRIMARY) != (self.subject is Subject.UNIT):
            raise ValueError(
                f"metric {self.name!r}: primary-tier metrics are per unit and only they are "
                f"(tier {self.tier}, subject {self.subject})"
            )
        return self

    @property
    def key(self) -> str:
        return f"{self.name}@v{self.version}"

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({r.split(".", 1)[0] for r in self.reads}))

    @property
    def window_days(self) -> int | None:
        if self.period.startswith("rolling_"):
            return int(self.period[len("rolling_") : -1])
        return None
