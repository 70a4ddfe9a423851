"""Rate limits with the `limits` library: Redis when configured (shared by every worker),
in-process memory otherwise.

Three limits, all from settings: RATE_LIMIT_IP on every REST request by client address (an
ASGI middleware, so login and setup are covered too), RATE_LIMIT_USER per authenticated user or
API key (checked in `current_principal`), RATE_LIMIT_WS_FRAMES per WebSocket connection
(`app.state.ws_frame_guard`). A storage failure lets the request through with a warning: an
unreachable Redis must not take the API down (GET /health reports it).
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from typing import Any

from fastapi import WebSocket
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.principal import Principal
from app.config import Settings
from app.exceptions import error_body
from app.redis import redis_key

logger = logging.getLogger(__name__)

# Probes from load balancers must never be throttled.
_EXEMPT_PATHS = frozenset({"/health"})


class RateLimiter:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self.user_limit = parse(settings.rate_limit_user)
        self.ip_limit = parse(settings.rate_limit_ip)
        self.ws_frame_limit = parse(settings.rate_limit_ws_frames)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> int | None:
        """Count one hit; return the seconds to wait when over the limit, else None."""
        try:
            if await self._strategy.hit(item, *identifiers):
                return None
            stats = await self._strategy.get_window_stats(item, *identifiers)
        except Exception as exc:
            logger.warning("rate limit storage unavailable (%s); allowing", type(exc).__name__)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit_principal(self, principal: Principal) -> int | None:
        if principal.api_key_id is not None:
            return await self.hit(self.user_limit, "key", str(principal.api_key_id))
        return await self.hit(self.user_limit, "user", str(principal.user_id))

    async def aclose(self) -> None:
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()


def create_rate_limiter(settings: Settings) -> RateLimiter:
    storage: Storage
    if settings.redis_url:
        storage = RedisStorage(
            f"async+{settings.redis_url}",
            implementation="redispy",
            key_prefix=redis_key(settings, "rl"),
            socket_connect_timeout=2,
            socket_timeout=5,
        )
    else:
        storage = MemoryStorage()
    return RateLimiter(settings, storage)


def rate_limited_message(retry_after_s: int) -> str:
    return f"Too many requests; retry in {retry_after_s} s"


class IpRateLimit:
    """Per-client-address limit on every HTTP request (429 with Retry-After)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter: RateLimiter | None = getattr(scope["app"].state, "rate_limiter", None)
        if scope["type"] != "http" or limiter is None or scope["path"] in _EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        retry_after = await limiter.hit(limiter.ip_limit, "ip", address)
        if retry_after is not None:
            body = error_body(
                "rate_limited", rate_limited_message(retry_after), {"retry_after_s": retry_after}
            )
            response = JSONResponse(body, 429, headers={"Retry-After": str(retry_after)})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def ws_frame_guard_for(limiter: RateLimiter) -> Any:
    """The `app.state.ws_frame_guard` the playground calls for each frame it receives."""

    async def ws_frame_guard(websocket: WebSocket, principal: Principal) -> dict[str, Any] | None:
        connection_id = websocket.scope.setdefault("ab_connection_id", uuid.uuid4().hex)
        retry_after = await limiter.hit(limiter.ws_frame_limit, "ws", connection_id)
        if retry_after is None:
            return None
        return {
            "type": "error",
            "code": "rate_limited",
            "message": rate_limited_message(retry_after),
            "retryable": True,
            "retry_after_s": retry_after,
        }

    return ws_frame_guard
