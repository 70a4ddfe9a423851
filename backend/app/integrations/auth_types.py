"""The auth types an integration can use: their settings (stored in auth_config, non-secret)
and their secret fields (stored encrypted, shown masked).

    none            -
    api_key         config {location: header|query, name}      secrets {api_key}
    bearer          -                                           secrets {token}
    basic           config {username}                           secrets {password}
    custom_headers  -                                           secrets {<header name>: value}
    oauth2          config {grant_type, token_url, client_id,   secrets {client_secret,
                            scope, audience, client_auth}               refresh_token}

OAuth2 access tokens are stored in the same credential under ACCESS_TOKEN_FIELD; they are
never shown, not even masked.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.credentials.service import mask
from app.validation import check_http_url

ACCESS_TOKEN_FIELD = "access_token"
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$")


class AuthType(StrEnum):
    none = "none"
    api_key = "api_key"
    bearer = "bearer"
    basic = "basic"
    custom_headers = "custom_headers"
    oauth2 = "oauth2"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoConfig(_Config):
    pass


class ApiKeyConfig(_Config):
    location: Literal["header", "query"] = "header"
    name: str = Field(default="X-API-Key", min_length=1, max_length=128)

    @field_validator("name")
    @classmethod
    def _token(cls, value: str) -> str:
        if not _HEADER_NAME.match(value):
            raise ValueError("must be a header or query parameter name without spaces")
        return value


class BasicConfig(_Config):
    username: str = Field(default="", max_length=256)


class OAuth2Config(_Config):
    grant_type: Literal["client_credentials", "refresh_token"] = "client_credentials"
    token_url: str = Field(min_length=1, max_length=2048)
    client_id: str = Field(default="", max_length=512)
    scope: str | None = Field(default=None, max_length=2048)
    audience: str | None = Field(default=None, max_length=2048)
    client_auth: Literal["body", "basic"] = Field(
        default="body", description="Send client credentials in the form body or as Basic auth"
    )

    @field_validator("token_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return check_http_url(value)


CONFIG_MODELS: dict[AuthType, type[_Config]] = {
    AuthType.none: NoConfig,
    AuthType.api_key: ApiKeyConfig,
    AuthType.bearer: NoConfig,
    AuthType.basic: BasicConfig,
    AuthType.custom_headers: NoConfig,
    AuthType.oauth2: OAuth2Config,
}

# None means "any header name" (custom_headers).
SECRET_FIELDS: dict[AuthType, set[str] | None] = {
    AuthType.none: set(),
    AuthType.api_key: {"api_key"},
    AuthType.bearer: {"token"},
    AuthType.basic: {"password"},
    AuthType.custom_headers: None,
    AuthType.oauth2: {"client_secret", "refresh_token"},
}


def validate_config(auth_type: AuthType, config: dict[str, Any]) -> dict[str, Any]:
    """The normalised config for `auth_type`; ValueError names the bad field."""
    try:
        model = CONFIG_MODELS[auth_type].model_validate(config)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "auth_config"
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        raise ValueError(f"auth_config.{where}: {message} (auth_type {auth_type.value})") from None
    return model.model_dump(exclude_none=True)


def validate_secret_fields(auth_type: AuthType, secrets: dict[str, Any]) -> None:
    """Refuse secret fields the auth type does not use. Never echoes a value."""
    allowed = SECRET_FIELDS[auth_type]
    for name, value in secrets.items():
        if allowed is None:
            if not _HEADER_NAME.match(name):
                raise ValueError(f"secrets: '{name[:64]}' is not a valid header name")
        elif name not in allowed:
            expected = ", ".join(sorted(allowed)) or "none"
            raise ValueError(
                f"secrets.{name[:64]}: not used by auth_type {auth_type.value} "
                f"(expected: {expected})"
            )
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"secrets.{name[:64]}: must be a non-empty string")


def required_secrets(auth_type: AuthType, config: dict[str, Any]) -> set[str]:
    if auth_type is AuthType.oauth2:
        # A refresh-token client may be public (no secret); client credentials needs one.
        if config.get("grant_type") == "refresh_token":
            return {"refresh_token"}
        return {"client_secret"}
    return set(SECRET_FIELDS[auth_type] or ())


def shown_secret_fields(auth_type: AuthType, stored: dict[str, str]) -> list[str]:
    """The stored fields a user set (masked in responses); runtime tokens stay hidden."""
    allowed = SECRET_FIELDS[auth_type]
    return sorted(
        k for k in stored if k != ACCESS_TOKEN_FIELD and (allowed is None or k in allowed)
    )


def masked_view(auth_type: AuthType, stored: dict[str, str]) -> dict[str, str]:
    """Field -> mask, for the credential's metadata (listing never decrypts)."""
    return {k: mask(stored[k]) for k in shown_secret_fields(auth_type, stored)}
