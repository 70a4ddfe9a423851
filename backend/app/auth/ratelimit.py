"""Rate limits with the `limits` library: Redis when configured (shared by every worker),
in-process memory otherwise.

Three limits, all from settings: RATE_LIMIT_IP on every REST request by client address (an
ASGI middleware, so login and setup are covered too), RATE_LIMIT_USER per authenticated user or
API key (checked in `current_principal`), RATE_LIMIT_WS_FRAMES per WebSocket connection
(`app.state.ws_frame_guard`).

A Redis outage never leaves the API unlimited, nor slow: each Redis call has REDIS_TIMEOUT_S and
a circuit breaker (app.redis); a failed call, or any call while the breaker is open, is counted
in this process's memory instead. During an outage each worker then applies the limits on its
own, so N workers allow up to N times the limit (GET /health reports Redis as down).
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
from app.redis import create_breaker, no_retries, redis_key

logger = logging.getLogger(__name__)

# Probes from load balancers must never be throttled.
_EXEMPT_PATHS = frozenset({"/health"})


class RateLimiter:
    """`storage` is Redis or memory; with Redis, `fallback` (memory) counts while it is out."""

    def __init__(
        self, settings: Settings, storage: Storage, fallback: Storage | None = None
    ) -> None:
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._fallback = MovingWindowRateLimiter(fallback) if fallback is not None else None
        self.breaker = create_breaker(settings, "redis-rate-limits")
        self.user_limit = parse(settings.rate_limit_user)
        self.ip_limit = parse(settings.rate_limit_ip)
        self.ws_frame_limit = parse(settings.rate_limit_ws_frames)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> int | None:
        """Count one hit; return the seconds to wait when over the limit, else None."""
        if self._fallback is None:
            return await _hit(self._strategy, item, identifiers)
        if not self.breaker.opened:
            try:
                return await self.breaker.call_async(_hit, self._strategy, item, identifiers)
            except Exception as exc:
                logger.warning(
                    "rate limit storage unavailable (%s); counting in this process",
                    type(exc).__name__,
                )
        return await _hit(self._fallback, item, identifiers)

    async def hit_principal(self, principal: Principal) -> int | None:
        if principal.api_key_id is not None:
            return await self.hit(self.user_limit, "key", str(principal.api_key_id))
        return await self.hit(self.user_limit, "user", str(principal.user_id))

    async def aclose(self) -> None:
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()


async def _hit(
    strategy: MovingWindowRateLimiter, item: RateLimitItem, identifiers: tuple[str, ...]
) -> int | None:
    if await strategy.hit(item, *identifiers):
        return None
    stats = await strategy.get_window_stats(item, *identifiers)
    return max(1, math.ceil(stats.reset_time - time.time()))


def create_rate_limiter(settings: Settings) -> RateLimiter:
    if not settings.redis_url:
        return RateLimiter(settings, MemoryStorage())
    storage = RedisStorage(
        f"async+{settings.redis_url}",
        implementation="redispy",
        key_prefix=redis_key(settings, "rl"),
        socket_connect_timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        retry=no_retries(),  # type: ignore[arg-type]  # passed on to redis-py
    )
    return RateLimiter(settings, storage, fallback=MemoryStorage())


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
