"""Request and response bodies of /api/v1/auth and /api/v1/workspace."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from app.auth.models import Role
from app.llm.names import ProviderName
from app.validation import check_http_url


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
    """A new person accepts an invitation, choosing their own name and password."""

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


class MemberUpdate(_Strict):
    role: Role


class MemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    joined_at: datetime


class MembersPublic(BaseModel):
    items: list[MemberPublic]


# --- invitations -----------------------------------------------------------------------------
# The same shapes whether or not the email already has an account: an invitation says nothing
# about the person behind the address.

InvitationToken = Annotated[SecretStr, Field(min_length=1, max_length=256)]


class InvitationCreate(_Strict):
    email: Email
    role: Role = Role.member


class InvitationStatus(StrEnum):
    pending = "pending"
    expired = "expired"


class InvitationPublic(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    status: InvitationStatus
    invited_by: str | None = Field(description="Name of the member who sent it, if still known")
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationPublic):
    token: str = Field(
        description="One-time token for the invite link: shown once, store or send it now"
    )


class InvitationsPublic(BaseModel):
    items: list[InvitationPublic]


class InvitationTokenRequest(_Strict):
    token: InvitationToken


class InvitationPreview(BaseModel):
    """What the invite page shows the person holding the link."""

    workspace: WorkspacePublic
    email: str
    role: Role
    expires_at: datetime


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
    base_url: (
        Annotated[
            str,
            Field(max_length=2048, pattern=r"^https?://\S+$"),
            AfterValidator(check_http_url),
        ]
        | None
    ) = None


class ProviderKeyPublic(BaseModel):
    provider: ProviderName
    configured: bool
    masked_key: str | None
    base_url: str | None
    updated_at: datetime | None


class ProviderKeysPublic(BaseModel):
    items: list[ProviderKeyPublic]
