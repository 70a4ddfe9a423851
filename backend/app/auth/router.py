"""/api/v1/auth: first-run setup, login, refresh, logout, invitations, who am I.

The dashboard keeps the tokens in HttpOnly cookies (`ab_access` for every path, `ab_refresh`
only for /api/v1/auth and SameSite=Strict); scripts use the tokens from the response body.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from app.auth import invitations, service
from app.auth.deps import (
    ACCESS_COOKIE,
    REFRESH_COOKIE,
    CurrentPrincipal,
    OptionalPrincipal,
    jwt_secret_of,
)
from app.auth.schemas import (
    AcceptInviteRequest,
    InvitationPreview,
    InvitationTokenRequest,
    LoginRequest,
    MePublic,
    RefreshRequest,
    SessionPublic,
    SetupRequest,
    SetupStatus,
)
from app.config import Settings
from app.database import SessionDep
from app.exceptions import AuthenticationError

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
REFRESH_COOKIE_PATH = "/api/v1/auth"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _config(request: Request) -> service.AuthConfig:
    return service.AuthConfig.from_settings(_settings(request), jwt_secret_of(request))


def _set_cookies(request: Request, response: Response, session: SessionPublic) -> None:
    settings = _settings(request)
    response.set_cookie(
        ACCESS_COOKIE,
        session.access_token,
        max_age=settings.access_token_ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        session.refresh_token,
        max_age=settings.refresh_token_ttl_s,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )


def _clear_cookies(request: Request, response: Response) -> None:
    secure = _settings(request).cookie_secure
    response.delete_cookie(ACCESS_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, httponly=True, samesite="strict", secure=secure
    )


@router.get("/status", response_model=SetupStatus)
async def auth_status(session: SessionDep) -> SetupStatus:
    return SetupStatus(setup_required=await service.setup_required(session))


@router.post("/setup", status_code=status.HTTP_201_CREATED, response_model=SessionPublic)
async def setup(
    data: SetupRequest, request: Request, response: Response, session: SessionDep
) -> SessionPublic:
    result = await service.setup(session, _config(request), data)
    _set_cookies(request, response, result)
    return result


@router.post("/login", response_model=SessionPublic)
async def login(
    data: LoginRequest, request: Request, response: Response, session: SessionDep
) -> SessionPublic:
    result = await service.login(session, _config(request), data)
    _set_cookies(request, response, result)
    return result


@router.post("/refresh", response_model=SessionPublic)
async def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    data: RefreshRequest | None = None,
) -> SessionPublic:
    token = data.refresh_token.get_secret_value() if data and data.refresh_token else None
    token = token or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise AuthenticationError("A refresh token is required", code="auth_required")
    result = await service.refresh(session, _config(request), token)
    _set_cookies(request, response, result)
    return result


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    session: SessionDep,
    principal: OptionalPrincipal,
    data: RefreshRequest | None = None,
) -> Response:
    token = data.refresh_token.get_secret_value() if data and data.refresh_token else None
    token = token or request.cookies.get(REFRESH_COOKIE)
    if not await service.logout(session, token, principal):
        raise AuthenticationError("Authentication required", code="auth_required")
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_cookies(request, response)
    return response


@router.get("/me", response_model=MePublic)
async def me(principal: CurrentPrincipal, session: SessionDep) -> MePublic:
    return await service.me(session, principal)


# The token travels in the body, never in the URL, so no access log ever holds one.
# 410: the invitation existed but was used, declined, withdrawn or has expired (app.openapi adds
# the errors every route shares; this one is the invitation's own).
_GONE: dict[int | str, dict[str, Any]] = {
    410: {
        "description": "The invitation was used, declined or withdrawn, or has expired",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
}


@router.post("/accept-invite", response_model=SessionPublic, responses=_GONE)
async def accept_invite(
    data: AcceptInviteRequest, request: Request, response: Response, session: SessionDep
) -> SessionPublic:
    """A person without an account accepts an invitation, choosing their name and password."""
    result = await invitations.accept_as_new_account(session, _config(request), data)
    _set_cookies(request, response, result)
    return result


@router.post("/invitations/lookup", response_model=InvitationPreview, responses=_GONE)
async def lookup_invitation(data: InvitationTokenRequest, session: SessionDep) -> InvitationPreview:
    """The workspace, email and role an invite link is for."""
    return await invitations.preview(session, data.token.get_secret_value())


@router.post("/invitations/accept", response_model=SessionPublic, responses=_GONE)
async def accept_invitation(
    data: InvitationTokenRequest,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> SessionPublic:
    """The signed-in account accepts an invitation to its own email; the session moves to the
    workspace joined (signing in again can pick any of the account's workspaces)."""
    result = await invitations.accept_signed_in(
        session, _config(request), principal, data.token.get_secret_value()
    )
    _set_cookies(request, response, result)
    return result


@router.post("/invitations/decline", status_code=status.HTTP_204_NO_CONTENT, responses=_GONE)
async def decline_invitation(data: InvitationTokenRequest, session: SessionDep) -> Response:
    await invitations.decline(session, data.token.get_secret_value())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
