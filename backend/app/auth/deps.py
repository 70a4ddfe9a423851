"""Who is calling, and which workspace they act in.

Every route that touches workspace data depends on `CurrentPrincipal` and scopes its queries
by `principal.workspace_id`. Scripts send `Authorization: Bearer <access JWT or API key>`; the
dashboard sends the `ab_access` cookie. Cookie-authenticated writes must come from an allowed
Origin (CSRF). Each authenticated request counts against RATE_LIMIT_USER.

Role checks: `RequireAdmin` (owner or admin: members, credentials, provider keys) and
`RequireOwner`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.auth import service
from app.auth.models import Role
from app.auth.principal import DEFAULT_WORKSPACE_ID, Principal
from app.auth.ratelimit import RateLimiter, rate_limited_message
from app.database import SessionDep
from app.exceptions import AuthenticationError, PermissionDenied, RateLimited

__all__ = [
    "ACCESS_COOKIE",
    "DEFAULT_WORKSPACE_ID",
    "REFRESH_COOKIE",
    "CurrentPrincipal",
    "OptionalPrincipal",
    "Principal",
    "RequireAdmin",
    "RequireOwner",
    "current_principal",
]

ACCESS_COOKIE = "ab_access"
REFRESH_COOKIE = "ab_refresh"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def jwt_secret_of(conn: HTTPConnection) -> str:
    secret: str = conn.app.state.jwt_secret
    return secret


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "Authorization header must be 'Bearer <token>'", code="auth_invalid"
        )
    return token.strip()


def origin_allowed(conn: HTTPConnection, origin: str) -> bool:
    """An Origin from ALLOWED_ORIGINS, or the server's own origin."""
    allowed: list[str] = conn.app.state.settings.allowed_origin_list
    own = f"{conn.url.scheme.replace('ws', 'http')}://{conn.url.netloc}"
    return origin in allowed or origin == own


def _check_cookie_origin(request: Request) -> None:
    # SameSite=Lax stops most cross-site writes; this also stops same-site ones from another
    # port or subdomain. Browsers always send Origin on cross-origin writes.
    origin = request.headers.get("origin")
    if request.method not in _SAFE_METHODS and origin and not origin_allowed(request, origin):
        raise PermissionDenied(
            "Cross-origin request refused: the Origin is not in ALLOWED_ORIGINS",
            code="forbidden:origin",
        )


async def _authenticate(request: Request, session: SessionDep) -> Principal | None:
    token = bearer_token(request)
    from_cookie = False
    if token is None:
        token = request.cookies.get(ACCESS_COOKIE) or None
        from_cookie = token is not None
    if token is None:
        return None
    principal = await service.authenticate_token(session, jwt_secret_of(request), token)
    if from_cookie:
        _check_cookie_origin(request)
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        retry_after = await limiter.hit_principal(principal)
        if retry_after is not None:
            raise RateLimited(rate_limited_message(retry_after), retry_after_s=retry_after)
    return principal


async def current_principal(request: Request, session: SessionDep) -> Principal:
    principal = await _authenticate(request, session)
    if principal is None:
        raise AuthenticationError("Authentication required", code="auth_required")
    return principal


async def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller when a valid token came; None when none did or it is invalid or expired."""
    try:
        return await _authenticate(request, session)
    except AuthenticationError:
        return None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Role.admin):
        raise PermissionDenied("Only a workspace owner or admin may do this")
    return principal


async def require_owner(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Role.owner):
        raise PermissionDenied("Only a workspace owner may do this")
    return principal


RequireAdmin = Annotated[Principal, Depends(require_admin)]
RequireOwner = Annotated[Principal, Depends(require_owner)]
