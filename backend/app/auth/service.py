"""Authentication use cases: first-run setup, login, refresh rotation, logout, and turning a
bearer token (access JWT or API key) into a Principal. Invitations: app/auth/invitations.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import tokens
from app.auth.models import ApiKey, Membership, RefreshToken, Role, User, Workspace
from app.auth.passwords import hash_password, verify_password
from app.auth.principal import DEFAULT_WORKSPACE_ID, Principal
from app.auth.schemas import (
    LoginRequest,
    MePublic,
    SessionPublic,
    SetupRequest,
    UserPublic,
    WorkspacePublic,
)
from app.config import Settings
from app.exceptions import AuthenticationError, ConflictError

_API_KEY_TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class AuthConfig:
    """What token issuing needs: the signing secret and the lifetimes."""

    jwt_secret: str
    access_ttl_s: int
    refresh_ttl_s: int

    @classmethod
    def from_settings(cls, settings: Settings, jwt_secret: str) -> AuthConfig:
        return cls(jwt_secret, settings.access_token_ttl_s, settings.refresh_token_ttl_s)


def _now() -> datetime:
    return datetime.now(UTC)


def invalid(message: str = "Invalid credentials") -> AuthenticationError:
    return AuthenticationError(message, code="auth_invalid")


# --- setup -----------------------------------------------------------------------------------


async def setup_required(session: AsyncSession) -> bool:
    return not await session.scalar(select(exists().where(User.id.is_not(None))))


async def create_workspace(session: AsyncSession, name: str) -> Workspace:
    """A new workspace; the first one ever takes the default id and so adopts existing data."""
    taken = await session.get(Workspace, DEFAULT_WORKSPACE_ID)
    workspace = Workspace(id=uuid.uuid4() if taken else DEFAULT_WORKSPACE_ID, name=name)
    session.add(workspace)
    return workspace


async def create_user(session: AsyncSession, *, email: str, name: str, password: str) -> User:
    """A new account with the password its own person chose (setup, an accepted invitation)
    or an operator set (the CLI). Never reachable by a workspace admin choosing a password."""
    if await session.scalar(select(User.id).where(User.email == email)):
        raise ConflictError("A user with this email already exists", code="conflict:email")
    user = User(email=email, name=name, password_hash=await hash_password(password))
    session.add(user)
    return user


async def setup(session: AsyncSession, config: AuthConfig, data: SetupRequest) -> SessionPublic:
    closed = ConflictError("Setup is closed: an account already exists", code="setup_closed")
    if not await setup_required(session):
        raise closed
    try:
        workspace = await create_workspace(session, data.workspace_name)
        user = await create_user(
            session, email=data.email, name=data.name, password=data.password.get_secret_value()
        )
        await session.flush()
        session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.owner))
        await session.flush()
    except (IntegrityError, ConflictError):
        # Two setups racing: the loser hits the default workspace id or the email.
        await session.rollback()
        raise closed from None
    return await start_session(session, config, user, workspace, Role.owner)


# --- sessions --------------------------------------------------------------------------------


async def _issue_refresh(
    session: AsyncSession,
    config: AuthConfig,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    family_id: uuid.UUID,
) -> str:
    token = tokens.new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            workspace_id=workspace_id,
            family_id=family_id,
            token_hash=tokens.hash_token(token),
            expires_at=_now() + timedelta(seconds=config.refresh_ttl_s),
        )
    )
    return token


async def start_session(
    session: AsyncSession,
    config: AuthConfig,
    user: User,
    workspace: Workspace,
    role: Role,
    family_id: uuid.UUID | None = None,
) -> SessionPublic:
    """Issue tokens for `user` acting in `workspace`; a given `family_id` continues that login
    (so signing out ends it whole), otherwise a new login starts."""
    family_id = family_id or uuid.uuid4()
    # Keep the table small: a user's expired refresh tokens are of no further use.
    await session.execute(
        delete(RefreshToken).where(
            RefreshToken.user_id == user.id, RefreshToken.expires_at < _now()
        )
    )
    refresh = await _issue_refresh(session, config, user.id, workspace.id, family_id)
    await session.commit()
    access = tokens.encode_access_token(
        config.jwt_secret,
        tokens.AccessClaims(user.id, workspace.id, family_id),
        config.access_ttl_s,
    )
    return SessionPublic(
        user=UserPublic.model_validate(user),
        workspace=WorkspacePublic.model_validate(workspace),
        role=role,
        access_token=access,
        refresh_token=refresh,
        expires_in=config.access_ttl_s,
    )


async def _membership(
    session: AsyncSession, user_id: uuid.UUID, workspace_id: uuid.UUID | None
) -> tuple[Membership, Workspace] | None:
    query = (
        select(Membership, Workspace)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    )
    if workspace_id is not None:
        query = query.where(Membership.workspace_id == workspace_id)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def login(session: AsyncSession, config: AuthConfig, data: LoginRequest) -> SessionPublic:
    user = await session.scalar(select(User).where(User.email == data.email))
    password_ok = await verify_password(
        user.password_hash if user else None, data.password.get_secret_value()
    )
    if user is None or not password_ok or not user.is_active:
        raise invalid("Invalid email or password")
    found = await _membership(session, user.id, data.workspace_id)
    if found is None:
        raise invalid("Invalid email or password")
    membership, workspace = found
    return await start_session(session, config, user, workspace, Role(membership.role))


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    await session.commit()


async def refresh(session: AsyncSession, config: AuthConfig, token: str) -> SessionPublic:
    """Rotate: the presented token is used up and a new one issued in its family. Presenting a
    used token again means it leaked: the whole family (that login) is revoked."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == tokens.hash_token(token))
    )
    if row is None or row.revoked_at is not None:
        raise invalid("Invalid or revoked refresh token")
    if row.expires_at <= _now():
        raise AuthenticationError("Refresh token expired; sign in again", code="auth_expired")
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=_now())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await revoke_family(session, row.family_id)
        raise invalid("Refresh token reuse detected; this login was ended")
    user = await session.get(User, row.user_id)
    found = await _membership(session, row.user_id, row.workspace_id)
    if user is None or not user.is_active or found is None:
        await revoke_family(session, row.family_id)
        raise invalid("Invalid or revoked refresh token")
    membership, workspace = found
    return await start_session(
        session, config, user, workspace, Role(membership.role), row.family_id
    )


async def logout(
    session: AsyncSession, refresh_token: str | None, principal: Principal | None
) -> bool:
    """Revoke the login of the refresh token (or of the access token); False if none was found."""
    family_id: uuid.UUID | None = None
    if refresh_token:
        family_id = await session.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == tokens.hash_token(refresh_token)
            )
        )
    if family_id is None and principal is not None:
        family_id = principal.session_id
    if family_id is None:
        return principal is not None
    await revoke_family(session, family_id)
    return True


async def me(session: AsyncSession, principal: Principal) -> MePublic:
    workspace = await session.get(Workspace, principal.workspace_id)
    user = await session.get(User, principal.user_id) if principal.user_id else None
    assert workspace is not None
    return MePublic(
        user=UserPublic.model_validate(user) if user else None,
        workspace=WorkspacePublic.model_validate(workspace),
        role=Role(principal.role),
    )


# --- bearer tokens ---------------------------------------------------------------------------


def _weaker(a: str, b: str) -> str:
    return a if Role(a).rank <= Role(b).rank else b


async def _principal_from_api_key(session: AsyncSession, key: str) -> Principal:
    api_key = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == tokens.hash_token(key), ApiKey.revoked_at.is_(None))
    )
    if api_key is None:
        raise invalid("Invalid or revoked API key")
    role = api_key.role
    if api_key.created_by is not None:
        # A key never outranks its creator, and dies with the creator's membership.
        creator_role = await session.scalar(
            select(Membership.role)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.user_id == api_key.created_by,
                Membership.workspace_id == api_key.workspace_id,
                User.is_active.is_(True),
            )
        )
        if creator_role is None:
            raise invalid("Invalid or revoked API key")
        role = _weaker(role, creator_role)
    now = _now()
    if api_key.last_used_at is None or now - api_key.last_used_at > _API_KEY_TOUCH_INTERVAL:
        api_key.last_used_at = now
        await session.commit()
    return Principal(
        workspace_id=api_key.workspace_id,
        user_id=api_key.created_by,
        role=role,
        api_key_id=api_key.id,
    )


async def _principal_from_jwt(session: AsyncSession, secret: str, token: str) -> Principal:
    try:
        claims = tokens.decode_access_token(secret, token)
    except tokens.TokenExpired:
        raise AuthenticationError("Access token expired; refresh it", code="auth_expired") from None
    except tokens.TokenInvalid:
        raise invalid("Invalid access token") from None
    live_session = exists().where(
        RefreshToken.family_id == claims.family_id, RefreshToken.revoked_at.is_(None)
    )
    role = await session.scalar(
        select(Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.user_id == claims.user_id,
            Membership.workspace_id == claims.workspace_id,
            User.is_active.is_(True),
            live_session,
        )
    )
    if role is None:
        raise invalid("Session ended; sign in again")
    return Principal(
        workspace_id=claims.workspace_id,
        user_id=claims.user_id,
        role=role,
        session_id=claims.family_id,
    )


async def authenticate_token(session: AsyncSession, jwt_secret: str, token: str) -> Principal:
    """The Principal a bearer token (API key or access JWT) stands for; raises
    AuthenticationError `auth_invalid` / `auth_expired`."""
    if tokens.looks_like_api_key(token):
        return await _principal_from_api_key(session, token)
    return await _principal_from_jwt(session, jwt_secret, token)
