"""Invitations: the only way into a workspace, and always with the person's own consent.

An admin invites an email with a role; that creates an `Invitation` (its one-time token shown
once, stored hashed, valid INVITATION_TTL_HOURS) and nothing else: no account, no membership,
and the answer is the same whether or not the email already has an account. The person then
either

- has no account: opens the link and chooses their own name and password
  (`accept_as_new_account`, POST /api/v1/auth/accept-invite), or
- has one: opens the link signed in as that very account and accepts (`accept_signed_in`);
  the token is still required, so whoever knows an account's password cannot join workspaces
  that invited the address without also holding the link those workspaces sent.

An invitation ends when accepted, declined, revoked by an admin, or expired; re-sending swaps
in a new token (the old link stops working) and a new expiry.

Errors the invitee may see: 404 `not_found:invitation` (no such token), 410
`invitation_expired` / `invitation_revoked` / `invitation_declined` / `invitation_used`,
403 `forbidden:invitation_account` (signed in as another account), 409 `conflict:account_exists`
(a new-account acceptance for an email that already has an account: sign in instead).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import tokens
from app.auth.models import Invitation, Membership, Role, User, Workspace
from app.auth.principal import Principal
from app.auth.schemas import (
    AcceptInviteRequest,
    InvitationCreate,
    InvitationCreated,
    InvitationPreview,
    InvitationPublic,
    InvitationsPublic,
    InvitationStatus,
    SessionPublic,
    WorkspacePublic,
)
from app.auth.service import AuthConfig, create_user, start_session
from app.auth.workspace import check_may_grant
from app.exceptions import AppError, ConflictError, NotFoundError, PermissionDenied


class InvitationGone(AppError):
    """410: the invitation existed but can no longer be used."""

    status = 410


def _now() -> datetime:
    return datetime.now(UTC)


def _is_open(invitation: Invitation) -> bool:
    return (
        invitation.accepted_at is None
        and invitation.declined_at is None
        and invitation.revoked_at is None
    )


# --- the workspace's side: invite, list, re-send, revoke --------------------------------------


async def _public(session: AsyncSession, invitation: Invitation) -> InvitationPublic:
    inviter = (
        await session.scalar(select(User.name).where(User.id == invitation.invited_by))
        if invitation.invited_by
        else None
    )
    expired = invitation.expires_at <= _now()
    return InvitationPublic(
        id=invitation.id,
        email=invitation.email,
        role=Role(invitation.role),
        status=InvitationStatus.expired if expired else InvitationStatus.pending,
        invited_by=inviter,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


def _new_token(invitation: Invitation, ttl: timedelta) -> str:
    token = tokens.new_opaque_token()
    invitation.token_hash = tokens.hash_token(token)
    invitation.expires_at = _now() + ttl
    return token


async def create_invitation(
    session: AsyncSession, principal: Principal, data: InvitationCreate, ttl: timedelta
) -> InvitationCreated:
    """Invite an email. Says nothing about whether the address has an account elsewhere; a
    conflict only names what this workspace already shows its admins (a member, an invitation)."""
    check_may_grant(principal, data.role)
    member = await session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == principal.workspace_id, User.email == data.email)
    )
    if member is not None:
        raise ConflictError("This person is already a member", code="conflict:member")
    open_invitations = (
        await session.scalars(
            select(Invitation).where(
                Invitation.workspace_id == principal.workspace_id,
                Invitation.email == data.email,
                Invitation.accepted_at.is_(None),
                Invitation.declined_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
        )
    ).all()
    for earlier in open_invitations:
        if earlier.expires_at > _now():
            raise ConflictError(
                "This email already has a pending invitation: re-send or revoke it",
                code="conflict:invitation_pending",
                details={"invitation_id": str(earlier.id)},
            )
        earlier.revoked_at = _now()  # an expired one is replaced by the new one
    invitation = Invitation(
        workspace_id=principal.workspace_id,
        email=data.email,
        role=data.role.value,
        invited_by=principal.user_id,
    )
    token = _new_token(invitation, ttl)
    session.add(invitation)
    await session.commit()
    return InvitationCreated(**(await _public(session, invitation)).model_dump(), token=token)


async def list_invitations(session: AsyncSession, workspace_id: uuid.UUID) -> InvitationsPublic:
    """Open invitations (pending and expired ones, which can be re-sent), newest first."""
    rows = await session.scalars(
        select(Invitation)
        .where(
            Invitation.workspace_id == workspace_id,
            Invitation.accepted_at.is_(None),
            Invitation.declined_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return InvitationsPublic(items=[await _public(session, row) for row in rows])


async def _open_invitation(
    session: AsyncSession, workspace_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation:
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.workspace_id == workspace_id
        )
    )
    if invitation is None or not _is_open(invitation):
        raise NotFoundError("invitation", invitation_id)
    return invitation


async def resend_invitation(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID, ttl: timedelta
) -> InvitationCreated:
    """A new token and a new expiry; the previous link stops working."""
    invitation = await _open_invitation(session, principal.workspace_id, invitation_id)
    check_may_grant(principal, Role(invitation.role))
    token = _new_token(invitation, ttl)
    invitation.invited_by = principal.user_id or invitation.invited_by
    await session.commit()
    return InvitationCreated(**(await _public(session, invitation)).model_dump(), token=token)


async def revoke_invitation(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID
) -> None:
    invitation = await _open_invitation(session, principal.workspace_id, invitation_id)
    check_may_grant(principal, Role(invitation.role))
    invitation.revoked_at = _now()
    await session.commit()


# --- the invitee's side: look, accept, decline -------------------------------------------------


async def _by_token(session: AsyncSession, token: str) -> Invitation:
    """The invitation a token opens, if it can still be used; clear errors otherwise."""
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == tokens.hash_token(token))
    )
    if invitation is None:
        raise NotFoundError("invitation")
    if invitation.accepted_at is not None:
        raise InvitationGone("This invitation was already accepted", code="invitation_used")
    if invitation.revoked_at is not None:
        raise InvitationGone(
            "This invitation was withdrawn: ask for a new one", code="invitation_revoked"
        )
    if invitation.declined_at is not None:
        raise InvitationGone("This invitation was declined", code="invitation_declined")
    if invitation.expires_at <= _now():
        raise InvitationGone(
            "This invitation has expired: ask for a new one", code="invitation_expired"
        )
    return invitation


async def preview(session: AsyncSession, token: str) -> InvitationPreview:
    """What the link invites to. Nothing about whether the email has an account."""
    invitation = await _by_token(session, token)
    workspace = await session.get(Workspace, invitation.workspace_id)
    assert workspace is not None  # the invitation cascades with its workspace
    return InvitationPreview(
        workspace=WorkspacePublic.model_validate(workspace),
        email=invitation.email,
        role=Role(invitation.role),
        expires_at=invitation.expires_at,
    )


async def _claim(session: AsyncSession, invitation: Invitation, **ended: datetime) -> None:
    """Mark the invitation used (accepted or declined) exactly once, even under a race."""
    claimed = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.token_hash == invitation.token_hash,
            Invitation.accepted_at.is_(None),
            Invitation.declined_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(**ended)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise InvitationGone("This invitation was already used", code="invitation_used")


async def accept_as_new_account(
    session: AsyncSession, config: AuthConfig, data: AcceptInviteRequest
) -> SessionPublic:
    """A person without an account accepts: the account is created with the name and password
    they choose now. An email that already has an account must sign in and accept instead, so
    nobody holding the link can set that account's password."""
    invitation = await _by_token(session, data.invite_token.get_secret_value())
    exists_already = ConflictError(
        "An account with this email already exists: sign in to it, then accept the invitation",
        code="conflict:account_exists",
    )
    if await session.scalar(select(User.id).where(User.email == invitation.email)):
        raise exists_already
    role = Role(invitation.role)
    workspace_id = invitation.workspace_id
    await _claim(session, invitation, accepted_at=_now())
    try:
        user = await create_user(
            session,
            email=invitation.email,
            name=data.name,
            password=data.password.get_secret_value(),
        )
        await session.flush()
        session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=role.value))
        await session.flush()
    except IntegrityError:  # the same email accepted another invitation at the same moment
        await session.rollback()
        raise exists_already from None
    workspace = await session.get(Workspace, workspace_id)
    assert workspace is not None
    return await start_session(session, config, user, workspace, role)


async def accept_signed_in(
    session: AsyncSession, config: AuthConfig, principal: Principal, token: str
) -> SessionPublic:
    """The signed-in account accepts an invitation addressed to its own email; the answer is a
    session in the workspace joined (the same login, so signing out ends both)."""
    if principal.session_id is None or principal.user_id is None:
        raise PermissionDenied(
            "Accept an invitation signed in as yourself, not with an API key",
            code="forbidden:session_required",
        )
    invitation = await _by_token(session, token)
    user = await session.get(User, principal.user_id)
    assert user is not None  # the principal was just loaded through this user's membership
    if user.email != invitation.email:
        raise PermissionDenied(
            f"This invitation is for {invitation.email}: sign in as that account to accept it",
            code="forbidden:invitation_account",
        )
    workspace_id = invitation.workspace_id
    role = Role(invitation.role)
    await _claim(session, invitation, accepted_at=_now())
    existing = await session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user.id
        )
    )
    if existing is None:
        session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=role.value))
        try:
            await session.flush()
        except IntegrityError:  # accepted twice at once through two invitations
            await session.rollback()
            raise ConflictError("You are already a member", code="conflict:member") from None
    else:
        role = Role(existing.role)  # an invitation never changes a role someone already has
    workspace = await session.get(Workspace, workspace_id)
    assert workspace is not None
    return await start_session(session, config, user, workspace, role, principal.session_id)


async def decline(session: AsyncSession, token: str) -> None:
    invitation = await _by_token(session, token)
    await _claim(session, invitation, declined_at=_now())
    await session.commit()
