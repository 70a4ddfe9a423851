"""/api/v1/workspace: members, invitations, API keys and provider keys of the caller's
workspace."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from app.auth import invitations, provider_keys, workspace
from app.auth.deps import CurrentPrincipal, RequireAdmin
from app.auth.models import Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeysPublic,
    InvitationCreate,
    InvitationCreated,
    InvitationsPublic,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
    ProviderKeyPublic,
    ProviderKeyPut,
    ProviderKeysPublic,
)
from app.database import SessionDep
from app.llm.names import ProviderName
from app.tools.egress import EgressDep

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"])


@router.get("/members", response_model=MembersPublic)
async def list_members(principal: CurrentPrincipal, session: SessionDep) -> MembersPublic:
    return await workspace.list_members(session, principal.workspace_id)


@router.patch("/members/{user_id}", response_model=MemberPublic)
async def update_member(
    user_id: uuid.UUID, data: MemberUpdate, principal: RequireAdmin, session: SessionDep
) -> MemberPublic:
    return await workspace.update_member(session, principal, user_id, data.role)


@router.delete("/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    user_id: uuid.UUID, principal: RequireAdmin, session: SessionDep
) -> Response:
    await workspace.remove_member(session, principal, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _invitation_ttl(request: Request) -> timedelta:
    return timedelta(hours=request.app.state.settings.invitation_ttl_hours)


@router.get("/invitations", response_model=InvitationsPublic)
async def list_invitations(principal: RequireAdmin, session: SessionDep) -> InvitationsPublic:
    return await invitations.list_invitations(session, principal.workspace_id)


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model=InvitationCreated)
async def create_invitation(
    data: InvitationCreate, request: Request, principal: RequireAdmin, session: SessionDep
) -> InvitationCreated:
    """Invite an email (with or without an account); nobody joins until they accept."""
    return await invitations.create_invitation(session, principal, data, _invitation_ttl(request))


@router.post("/invitations/{invitation_id}/resend", response_model=InvitationCreated)
async def resend_invitation(
    invitation_id: uuid.UUID, request: Request, principal: RequireAdmin, session: SessionDep
) -> InvitationCreated:
    """A new token and expiry; the previous link stops working."""
    return await invitations.resend_invitation(
        session, principal, invitation_id, _invitation_ttl(request)
    )


@router.delete("/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(
    invitation_id: uuid.UUID, principal: RequireAdmin, session: SessionDep
) -> Response:
    await invitations.revoke_invitation(session, principal, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api-keys", response_model=ApiKeysPublic)
async def list_api_keys(principal: CurrentPrincipal, session: SessionDep) -> ApiKeysPublic:
    return await workspace.list_api_keys(session, principal.workspace_id)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(
    data: ApiKeyCreate, principal: CurrentPrincipal, session: SessionDep
) -> ApiKeyCreated:
    return await workspace.create_api_key(
        session,
        principal.workspace_id,
        data,
        created_by=principal.user_id,
        role=Role(principal.role),
    )


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    await workspace.revoke_api_key(session, principal, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/provider-keys", response_model=ProviderKeysPublic)
async def list_provider_keys(
    principal: CurrentPrincipal, session: SessionDep
) -> ProviderKeysPublic:
    return await provider_keys.list_provider_keys(session, principal.workspace_id)


@router.put("/provider-keys/{provider}", response_model=ProviderKeyPublic)
async def put_provider_key(
    provider: ProviderName,
    data: ProviderKeyPut,
    principal: RequireAdmin,
    session: SessionDep,
    egress: EgressDep,
) -> ProviderKeyPublic:
    return await provider_keys.put_provider_key(
        session, principal.workspace_id, provider, data, egress
    )


@router.delete("/provider-keys/{provider}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_provider_key(
    provider: ProviderName, principal: RequireAdmin, session: SessionDep
) -> Response:
    await provider_keys.delete_provider_key(session, principal.workspace_id, provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
