"""The shared Redis client (optional: every user of it has an in-process fallback)."""

from __future__ import annotations

from redis.asyncio import Redis

from app.config import Settings


def create_redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    return Redis.from_url(
        settings.redis_url, decode_responses=False, socket_connect_timeout=2, socket_timeout=5
    )


def redis_key(settings: Settings, *parts: str) -> str:
    """Namespaced key: REDIS_KEY_PREFIX keeps several deployments (or test runs) apart."""
    return settings.redis_key_prefix + ":".join(parts)
