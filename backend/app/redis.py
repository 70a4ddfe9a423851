"""The shared Redis client (optional: every user of it has an in-process fallback).

A Redis that is down or frozen must not slow the API down. Every call has short connect and read
timeouts (REDIS_TIMEOUT_S) and no client-side retries, and goes through a circuit breaker: after
REDIS_BREAKER_FAILURES connection failures or timeouts in a row the breaker opens, and for
REDIS_BREAKER_OPEN_S no call is attempted at all (each raises `RedisUnavailable` at once); then
one call is let through to probe, and a success closes the breaker again. `RedisUnavailable` is
a redis ConnectionError, so every caller's existing `except RedisError` fallback applies: rate
limits count per process, run claims and cancels stay in-process, OAuth refreshes lock locally.
"""

from __future__ import annotations

from typing import Any

from circuitbreaker import CircuitBreaker
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.config import Settings

# What counts against the breaker: Redis unreachable or silent. A command error (wrong type, a
# script error) is an answer, and proves Redis is up.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


class RedisUnavailable(RedisConnectionError):
    """Raised without touching the network while the breaker is open."""


def create_breaker(settings: Settings, name: str) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=settings.redis_breaker_failures,
        recovery_timeout=settings.redis_breaker_open_s,
        expected_exception=OUTAGE_ERRORS,
        name=name,
    )


def no_retries() -> Retry:
    """redis-py retries a failed command three times with backoff by default: seconds per
    request against a frozen Redis. The breaker decides when to try again instead."""
    return Retry(NoBackoff(), 0)


class GuardedRedis(Redis):
    """A Redis client whose every command goes through `breaker` (pub/sub excepted: the
    cancel listener has its own reconnect loop and never blocks a request)."""

    breaker: CircuitBreaker

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.breaker.opened:
            raise RedisUnavailable(f"Redis circuit open for {self.breaker.open_remaining}s")
        return await self.breaker.call_async(super().execute_command, *args, **options)


def create_redis(settings: Settings) -> GuardedRedis | None:
    if not settings.redis_url:
        return None
    pool = ConnectionPool.from_url(
        settings.redis_url,
        decode_responses=False,
        socket_connect_timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        retry=no_retries(),
    )
    client = GuardedRedis(connection_pool=pool)
    client.auto_close_connection_pool = True  # aclose() closes the pool it was given too
    client.breaker = create_breaker(settings, "redis")
    return client


def redis_key(settings: Settings, *parts: str) -> str:
    """Namespaced key: REDIS_KEY_PREFIX keeps several deployments (or test runs) apart."""
    return settings.redis_key_prefix + ":".join(parts)
