"""Workspace administration: members (change role, remove) and API keys. People join through
invitations (app/auth/invitations.py).

Rules: only owners and admins manage members; only an owner grants, changes or removes the
owner role; the last owner can be neither demoted nor removed. An API key gets its creator's
role and never outranks it later (see service._principal_from_api_key).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import tokens
from app.auth.models import ApiKey, Membership, Role, User
from app.auth.principal import Principal
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeysPublic,
    MemberPublic,
    MembersPublic,
)
from app.exceptions import ConflictError, NotFoundError, PermissionDenied


def _member_public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


async def list_members(session: AsyncSession, workspace_id: uuid.UUID) -> MembersPublic:
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at, User.email)
    )
    return MembersPublic(items=[_member_public(m, u) for m, u in rows.all()])


def check_may_grant(principal: Principal, role: Role) -> None:
    """Only an owner may grant the owner role (by role change or by invitation)."""
    if role is Role.owner and not principal.has_role(Role.owner):
        raise PermissionDenied("Only an owner may grant the owner role")


async def _get_member(
    session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Membership, User]:
    row = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        )
    ).first()
    if row is None:
        raise NotFoundError("member", user_id)
    return row[0], row[1]


async def _owner_count(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner.value)
    )
    return int(count or 0)


async def _check_may_change(
    session: AsyncSession, principal: Principal, membership: Membership
) -> None:
    if membership.role == Role.owner.value:
        if not principal.has_role(Role.owner):
            raise PermissionDenied("Only an owner may change or remove an owner")
        if await _owner_count(session, membership.workspace_id) <= 1:
            raise ConflictError(
                "The last owner cannot be removed or demoted", code="conflict:last_owner"
            )


async def update_member(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, role: Role
) -> MemberPublic:
    membership, user = await _get_member(session, principal.workspace_id, user_id)
    if membership.role != role.value:
        check_may_grant(principal, role)
        await _check_may_change(session, principal, membership)
        membership.role = role.value
        await session.commit()
    return _member_public(membership, user)


async def remove_member(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> None:
    membership, _ = await _get_member(session, principal.workspace_id, user_id)
    await _check_may_change(session, principal, membership)
    await session.delete(membership)
    await session.commit()


# --- API keys --------------------------------------------------------------------------------


async def create_api_key(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    data: ApiKeyCreate,
    *,
    created_by: uuid.UUID | None,
    role: Role,
) -> ApiKeyCreated:
    key, prefix = tokens.new_api_key()
    api_key = ApiKey(
        workspace_id=workspace_id,
        created_by=created_by,
        name=data.name,
        prefix=prefix,
        key_hash=tokens.hash_token(key),
        role=role.value,
    )
    session.add(api_key)
    await session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(api_key).model_dump(), key=key)


async def list_api_keys(session: AsyncSession, workspace_id: uuid.UUID) -> ApiKeysPublic:
    keys = await session.scalars(
        select(ApiKey)
        .where(ApiKey.workspace_id == workspace_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return ApiKeysPublic(items=[ApiKeyPublic.model_validate(k) for k in keys])


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> None:
    """Revoke a key; members may revoke only keys they created."""
    api_key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == principal.workspace_id)
    )
    if api_key is None:
        raise NotFoundError("api_key", key_id)
    if not principal.has_role(Role.admin) and api_key.created_by != principal.user_id:
        raise PermissionDenied("Members may revoke only the API keys they created")
    if api_key.revoked_at is None:
        api_key.revoked_at = datetime.now(UTC)
        await session.commit()
