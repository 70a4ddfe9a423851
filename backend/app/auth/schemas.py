"""Request and response bodies of /api/v1/auth and /api/v1/workspace."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from app.auth.models import Role
from app.llm.names import ProviderName


def _normalize_email(value: str) -> str:
    value = value.strip().lower()
    local, sep, domain = value.partition("@")
    if not sep or not local or "." not in domain or " " in value:
        raise ValueError("must be an email address")
    return value


Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_normalize_email)]
Password = Annotated[SecretStr, Field(min_length=8, max_length=256)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetupRequest(_Strict):
    email: Email
    password: Password
    name: Name
    workspace_name: Name


class LoginRequest(_Strict):
    email: Email
    password: Annotated[SecretStr, Field(max_length=256)]
    workspace_id: uuid.UUID | None = Field(
        default=None, description="Workspace to sign in to; default: the first one joined"
    )


class RefreshRequest(_Strict):
    refresh_token: SecretStr | None = None


class AcceptInviteRequest(_Strict):
    invite_token: Annotated[SecretStr, Field(min_length=1, max_length=256)]
    password: Password
    name: Name


class SetupStatus(BaseModel):
    setup_required: bool


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    email: str
    name: str


class WorkspacePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str


class MePublic(BaseModel):
    user: UserPublic | None
    workspace: WorkspacePublic
    role: Role


class SessionPublic(MePublic):
    user: UserPublic
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="Seconds until the access token expires")


# --- members ---------------------------------------------------------------------------------


class MemberCreate(_Strict):
    email: Email
    name: Name
    role: Role = Role.member
    password: Password | None = Field(
        default=None, description="Set the new account's password; otherwise an invite is issued"
    )


class MemberUpdate(_Strict):
    role: Role


class MemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    invite_pending: bool
    joined_at: datetime


class MemberCreated(MemberPublic):
    invite_token: str | None = Field(
        default=None, description="One-time token for POST /api/v1/auth/accept-invite"
    )


class MembersPublic(BaseModel):
    items: list[MemberPublic]


# --- API keys --------------------------------------------------------------------------------


class ApiKeyCreate(_Strict):
    name: Name


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself: shown once, store it now")


class ApiKeysPublic(BaseModel):
    items: list[ApiKeyPublic]


# --- provider keys ---------------------------------------------------------------------------


class ProviderKeyPut(_Strict):
    api_key: Annotated[SecretStr, Field(min_length=1, max_length=4096)]
    base_url: Annotated[str | None, Field(max_length=2048, pattern=r"^https?://\S+$")] = None


class ProviderKeyPublic(BaseModel):
    provider: ProviderName
    configured: bool
    masked_key: str | None
    base_url: str | None
    updated_at: datetime | None


class ProviderKeysPublic(BaseModel):
    items: list[ProviderKeyPublic]
