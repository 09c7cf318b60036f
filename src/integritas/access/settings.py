"""Access settings (env prefix ``INTEGRITAS_ACCESS_``); idle timeout comes from WebSettings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AccessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_ACCESS_", extra="ignore")

    max_failed_logins: int = Field(default=5, ge=1, description="Failed sign-ins before lockout.")
    lockout_minutes: int = Field(default=15, ge=1, description="How long a lockout lasts.")
    session_max_hours: int = Field(
        default=12, ge=1, description="Absolute session lifetime, however active."
    )
    grant_days: int = Field(default=30, ge=1, description="Default lifetime of a purpose grant.")
