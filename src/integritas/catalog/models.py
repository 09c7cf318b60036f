"""Declared sources: what data exists, why it is held, and how it is handled at the door.

Everything here is frozen data. A source is loaded from YAML (``sources/*.yaml``) and
validated; problems are collected and raised together as one ``CatalogError``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Purpose(StrEnum):
    """Why data may be processed. A metric may only read fields whose source declares its purpose."""

    ORGANISATIONAL_HEALTH = "organisational_health"  # primary tier: units, never individuals
    WELFARE = "welfare"  # secondary tier: early intervention and welfare, person-level
    CONDUCT = "conduct"  # tertiary tier: possible misconduct, person-level
    EQUALITY_MONITORING = "equality_monitoring"  # fairness audit only, aggregate only


class DataCategory(StrEnum):
    IDENTIFIER = "identifier"
    PERSONAL = "personal"
    SPECIAL_CATEGORY = "special-category"
    CRIMINAL_OFFENCE = "criminal-offence"
    OPERATIONAL = "operational"


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"


class Handling(StrEnum):
    """What ingest does with a field's values before anything is written."""

    KEEP = "keep"  # copied as validated
    PSEUDONYMISE = "pseudonymise"  # a staff identifier: becomes a keyed pseudonym P-XXXXXXXXXXXX
    KEYED_HASH = "keyed_hash"  # kept only as a keyed hash, for equality tests (surname, postcode)
    VAULT = "vault"  # identity data: written only to the identity vault, never to curated tables
    FREE_TEXT = "free_text"  # kept only when the source declares a purpose listed in needed_for
    LATITUDE = "latitude"  # coordinates: used for the site label, then discarded
    LONGITUDE = "longitude"


class SourceKind(StrEnum):
    STANDARD = "standard"
    LOCATION = "location"  # device pings: duty-window filter and site labels at ingest
    REGISTRY = "registry"  # an external list (not staff) used only for linkage


class FieldSpec(Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    nullable: bool = True
    category: DataCategory
    handling: Handling = Handling.KEEP
    description: str = Field(min_length=3)
    values: tuple[str, ...] | None = Field(default=None, description="Allowed code list.")
    min: float | None = None
    max: float | None = None
    needed_for: tuple[Purpose, ...] = Field(
        default=(), description="FREE_TEXT only: the purposes that need the text."
    )
    curated_as: str | None = Field(
        default=None, description="Column name in curated tables, when it differs from `name`."
    )
    vault: bool = Field(
        default=False,
        description="Also keep the raw value in the identity vault (to unmask or to link).",
    )

    @property
    def curated_name(self) -> str | None:
        """The column this field becomes in curated tables, or None where it is never stored."""
        if self.handling in (Handling.VAULT, Handling.LATITUDE, Handling.LONGITUDE):
            return None
        if self.curated_as:
            return self.curated_as
        if self.handling is Handling.KEYED_HASH:
            return f"{self.name}_key"
        return self.name


class LawfulBasis(Frozen):
    article6: str = Field(min_length=3, description="UK GDPR Art 6(1) basis.")
    article9: str | None = Field(default=None, description="Art 9 condition (special category).")
    article10: str | None = Field(
        default=None, description="Art 10 / DPA 2018 Sch 1 condition (criminal-offence data)."
    )


class Proportionality(Frozen):
    """The four Bank Mellat questions. Any missing answer makes the source inactive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: str | None = None
    rational_connection: str | None = None
    less_intrusive_alternative: str | None = None
    fair_balance: str | None = None

    def missing(self) -> list[str]:
        return [name for name, value in self.model_dump().items() if not (value or "").strip()]


class Source(Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    system: str = Field(description="The owning system the export comes from.")
    description: str
    grain: str = Field(description="What one row is.")
    kind: SourceKind = SourceKind.STANDARD
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...] = Field(default=(), description="Fields that identify a row.")
    person_field: str | None = None
    unit_field: str | None = None
    event_time_field: str | None = None
    purposes: tuple[Purpose, ...]
    lawful_basis: LawfulBasis
    retention_days: int = Field(gt=0)
    proportionality: Proportionality
    owner: str = Field(description="Role accountable for the source (information asset owner).")

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        problems: list[str] = []
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(f"duplicate fields {dupes}")
        for ref in ("person_field", "unit_field", "event_time_field"):
            value = getattr(self, ref)
            if value is not None and value not in names:
                problems.append(f"{ref} {value!r} is not a declared field")
        for k in self.key:
            if k not in names:
                problems.append(f"key field {k!r} is not declared")
        cats = {f.category for f in self.fields}
        if DataCategory.SPECIAL_CATEGORY in cats and not self.lawful_basis.article9:
            problems.append("holds special-category data but declares no Article 9 condition")
        if DataCategory.CRIMINAL_OFFENCE in cats and not self.lawful_basis.article10:
            problems.append("holds criminal-offence data but declares no Article 10 condition")
        if self.kind is SourceKind.LOCATION:
            handlings = {f.handling for f in self.fields}
            if not {Handling.LATITUDE, Handling.LONGITUDE} <= handlings:
                problems.append("a location source needs latitude and longitude fields")
            if not self.person_field or not self.event_time_field:
                problems.append("a location source needs person_field and event_time_field")
        curated = [f.curated_name for f in self.fields if f.curated_name]
        clash = sorted({c for c in curated if curated.count(c) > 1})
        if clash:
            problems.append(f"curated column names clash: {clash}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def vault_fields(self) -> list[FieldSpec]:
        """Fields whose raw values go to the identity vault (only for unmasking and linkage)."""
        return [f for f in self.fields if f.vault or f.handling is Handling.VAULT]

    @property
    def active(self) -> bool:
        return not self.inactive_reasons()

    def inactive_reasons(self) -> list[str]:
        return [f"Bank Mellat answer missing: {m}" for m in self.proportionality.missing()]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"source {self.name!r} declares no field {name!r}")

    def curated_key(self) -> tuple[str, ...]:
        """The curated columns of the key (empty when a key field is not stored)."""
        by_field = {f.name: col for col, f in self.curated_columns().items()}
        if not self.key or any(k not in by_field for k in self.key):
            return ()
        return tuple(by_field[k] for k in self.key)

    def curated_columns(self) -> dict[str, FieldSpec]:
        """Curated column name -> the field it comes from, for fields that are stored."""
        out: dict[str, FieldSpec] = {}
        for f in self.fields:
            col = f.curated_name
            if col is None:
                continue
            if f.handling is Handling.FREE_TEXT and not set(f.needed_for) & set(self.purposes):
                continue
            out[col] = f
        return out
