"""A frozen or refusing Redis: calls fail fast, the circuit breaker stops calling it, rate
limits still apply per process, cancels stay in-process, and recovery closes the breaker.

Redis here is a loopback fake (tests.faults.fake_redis) or a port nobody listens on; the shared
Redis is never stopped. Time is moved by patching the breaker's clock, never by sleeping.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import circuitbreaker
import httpx
import pytest
from asgi_lifespan import LifespanManager
from limits.aio.storage import MemoryStorage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.auth.ratelimit import RateLimiter
from app.config import Settings
from app.main import create_app
from app.redis import GuardedRedis, RedisUnavailable, create_redis
from app.runs.cancel import RunRegistry
from tests.conftest import make_settings
from tests.faults import fake_redis, refused_port

FAILURES = 3


def redis_settings(settings: Settings, url: str, **overrides: Any) -> Settings:
    return make_settings(
        settings.resolved_database_url,
        settings.data_dir,
        redis_url=url,
        redis_breaker_failures=FAILURES,
        redis_breaker_open_s=30.0,
        **overrides,
    )


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """later(): from now on the breaker's open period is over (its clock jumps an hour)."""

    def jump() -> None:
        real = time.monotonic
        monkeypatch.setattr(circuitbreaker, "monotonic", lambda: real() + 3600)

    return jump


def guarded(settings: Settings, url: str) -> GuardedRedis:
    client = create_redis(redis_settings(settings, url))
    assert client is not None
    return client


async def test_a_frozen_redis_opens_the_breaker_and_is_then_left_alone(
    settings: Settings, later: Callable[[], None]
) -> None:
    async with fake_redis() as fake:
        client = guarded(settings, fake.url)
        try:
            for _ in range(FAILURES):
                with pytest.raises(RedisError):
                    await client.ping()  # times out after REDIS_TIMEOUT_S, no retries
            assert client.breaker.opened
            sent = fake.commands
            with pytest.raises(RedisUnavailable):
                await client.set("k", "v")
            assert fake.commands == sent  # not one more byte to the frozen server

            fake.frozen = False
            later()
            assert await client.ping() is True  # one probe after the open period...
            assert client.breaker.closed  # ...and it closes the breaker again
        finally:
            await client.aclose()


async def test_a_refused_port_opens_the_breaker(settings: Settings) -> None:
    client = guarded(settings, f"redis://127.0.0.1:{refused_port()}/0")
    try:
        for _ in range(FAILURES):
            with pytest.raises(RedisConnectionError):
                await client.get("k")
        assert client.breaker.opened
    finally:
        await client.aclose()


async def test_run_claims_and_cancels_stay_in_process_while_redis_is_frozen(
    settings: Settings,
) -> None:
    async with fake_redis() as fake:
        client = guarded(settings, fake.url)
        registry = RunRegistry(redis_settings(settings, fake.url), client)
        try:
            cancelled: list[uuid.UUID] = []
            conversations = [uuid.uuid4() for _ in range(FAILURES + 1)]
            for conversation_id in conversations:
                assert await registry.claim(conversation_id, _recorder(cancelled, conversation_id))
            assert client.breaker.opened
            sent = fake.commands
            assert await registry.cancel(conversations[0]) is True
            await registry.release(conversations[0])
            assert cancelled == [conversations[0]]
            assert fake.commands == sent
        finally:
            await client.aclose()


def _recorder(into: list[uuid.UUID], conversation_id: uuid.UUID) -> Callable[[], None]:
    return lambda: into.append(conversation_id)


@pytest.mark.parametrize("redis", ["frozen", "refused"])
async def test_rest_keeps_answering_and_limiting_while_redis_is_down(
    settings: Settings, tmp_path: Path, redis: str
) -> None:
    async with fake_redis() as fake:
        url = fake.url if redis == "frozen" else f"redis://127.0.0.1:{refused_port()}/0"
        app = create_app(redis_settings(settings, url, rate_limit_ip=f"{FAILURES + 1}/minute"))
        async with LifespanManager(app):
            limiter: RateLimiter = app.state.rate_limiter
            tried = 0
            hit = limiter._strategy.hit

            async def counted(*args: Any) -> bool:
                nonlocal tried
                tried += 1
                return await hit(*args)

            limiter._strategy.hit = counted  # type: ignore[method-assign]
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                answers = [(await c.get("/api/v1/auth/status")).status_code for _ in range(5)]
        # Each request was answered; the limit held through the outage (never unlimited).
        assert answers == [200] * (FAILURES + 1) + [429]
        # Redis was tried until the breaker opened, then not at all.
        assert limiter.breaker.opened
        assert tried == FAILURES


class FlakyStorage(MemoryStorage):
    """A moving-window storage that fails like an unreachable Redis while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.calls = 0

    async def acquire_entry(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.down:
            raise RedisConnectionError("Connection refused")
        return await super().acquire_entry(*args, **kwargs)

    async def get_moving_window(self, *args: Any, **kwargs: Any) -> tuple[float, int]:
        if self.down:
            raise RedisConnectionError("Connection refused")
        return await super().get_moving_window(*args, **kwargs)


async def test_rate_limits_fall_back_per_process_and_return_to_redis(
    settings: Settings, later: Callable[[], None]
) -> None:
    remote = FlakyStorage()
    limiter = RateLimiter(
        redis_settings(settings, "redis://unused", rate_limit_user="5/minute"),
        remote,
        fallback=MemoryStorage(),
    )
    results = [await limiter.hit(limiter.user_limit, "user", "u1") for _ in range(6)]
    assert results[:5] == [None] * 5
    assert results[5] is not None and results[5] >= 1  # over the limit in this process: 429
    assert remote.calls == FAILURES and limiter.breaker.opened

    remote.down = False
    later()
    assert await limiter.hit(limiter.user_limit, "user", "u2") is None
    assert remote.calls == FAILURES + 1  # counted in Redis again
    assert limiter.breaker.closed
