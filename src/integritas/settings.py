"""Typed settings, one class per concern, read once at start-up.

Every setting can be given as an environment variable with the prefix shown on its class
(for example ``INTEGRITAS_HOME``). The CLI's ``--home`` option overrides ``INTEGRITAS_HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkspaceSettings(BaseSettings):
    """Where the workspace lives."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_", extra="ignore")

    home: Path = Field(default=Path("integritas-home"), description="Workspace directory.")


class StoreSettings(BaseSettings):
    """The operational database (SQLite file by default, PostgreSQL in production)."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file `integritas.db` in the workspace.",
    )


class EngineSettings(BaseSettings):
    """The analytical engine that runs metric expressions."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_", extra="ignore")

    engine: Literal["duckdb", "spark"] = Field(default="duckdb", description="Metric engine.")
    spark_master: str = Field(default="local[2]", description="Spark master URL.")
    small_cell_k: int = Field(
        default=10, ge=2, description="Primary-tier unit values over fewer people are suppressed."
    )
    min_peer_group: int = Field(
        default=5, ge=2, description="Smallest peer group a comparison may use."
    )


class IngestSettings(BaseSettings):
    """Governed ingest knobs."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_INGEST_", extra="ignore")

    quarantine_tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Fraction of rows that may be quarantined before `ingest` exits non-zero.",
    )
    duty_tolerance_minutes: int = Field(
        default=30, ge=0, description="Minutes either side of a shift that still count as duty."
    )
    operator: str = Field(
        default_factory=lambda: os.environ.get("USER", "unknown"),
        description="Name recorded as the operator in batch manifests.",
    )


class WebSettings(BaseSettings):
    """The web observatory."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_WEB_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(default=8000, description="Port `serve` binds to.")
    session_minutes: int = Field(default=30, description="Idle minutes before a session expires.")
    secure_cookies: bool = Field(
        default=True, description="Mark cookies Secure (turn off only for plain-HTTP loopback)."
    )


@dataclass(frozen=True)
class Workspace:
    """The folders and files of one workspace. Creating it makes the folders."""

    home: Path

    @classmethod
    def from_settings(cls, home: Path | None = None) -> Workspace:
        root = (home or WorkspaceSettings().home).expanduser().resolve()
        ws = cls(root)
        ws.ensure()
        return ws

    def ensure(self) -> None:
        for folder in (self.home, self.curated, self.quarantine, self.batches, self.vault):
            folder.mkdir(parents=True, exist_ok=True)
        self.keys.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.keys.chmod(0o700)
        self.vault.chmod(0o700)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def curated(self) -> Path:
        return self.home / "curated"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def batches(self) -> Path:
        return self.home / "batches"

    @property
    def keys(self) -> Path:
        return self.home / "keys"

    @property
    def vault(self) -> Path:
        """Identity vault: staff numbers and names behind pseudonyms; read only to unmask or link."""
        return self.home / "vault"

    @property
    def geofences(self) -> Path:
        return self.home / "geofences.yaml"

    @cached_property
    def database_url(self) -> str:
        return StoreSettings().database_url or f"sqlite:///{self.home / 'integritas.db'}"
