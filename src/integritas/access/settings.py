"""Access settings (env prefix ``INTEGRITAS_ACCESS_``); idle timeout comes from WebSettings."""

from __future__ import annotations

from pathlib import Path

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


class OIDCSettings(BaseSettings):
    """Single sign-on through an OpenID Connect provider (env prefix ``INTEGRITAS_OIDC_``).

    Off by default. The provider's signing keys are read from ``jwks_file`` (exported by the
    operator), so that verifying a sign-in never depends on fetching keys at run time.
    """

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_OIDC_", extra="ignore")

    enabled: bool = Field(default=False, description="Offer sign-in through the OIDC provider.")
    issuer: str = Field(default="", description="The provider's issuer URL (the `iss` claim).")
    client_id: str = Field(default="", description="This application's client id (`aud`).")
    client_secret: str = Field(default="", description="Client secret, if the provider uses one.")
    authorization_endpoint: str = Field(default="", description="The provider's authorize URL.")
    token_endpoint: str = Field(default="", description="The provider's token URL.")
    redirect_uri: str = Field(default="", description="Our callback URL, as registered.")
    jwks_file: Path | None = Field(default=None, description="JWKS JSON file of signing keys.")
    scopes: str = Field(default="openid profile email", description="Scopes requested.")
    leeway_seconds: int = Field(default=60, ge=0, le=600, description="Clock skew allowed.")
    max_token_age_minutes: int = Field(
        default=10, ge=1, description="Oldest `iat` accepted for a fresh sign-in."
    )
