"""REST rate limits: per API key / user, per client address, 429 with Retry-After; shared
through Redis by every instance; an unreachable limiter storage neither breaks the API nor
lifts the limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.auth.ratelimit import create_rate_limiter
from app.config import Settings
from app.main import create_app
from tests.conftest import OWNER_A, OWNER_B, REDIS_URL, make_client, make_settings


@asynccontextmanager
async def limited_app(settings: Settings, **limits: Any) -> AsyncIterator[FastAPI]:
    """Another instance of the app on the suite's database (and Redis), with its own limits."""
    application = create_app(
        make_settings(settings.resolved_database_url, settings.data_dir, **limits)
    )
    async with LifespanManager(application):
        yield application


def _assert_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json()["error"]["details"]["retry_after_s"] == retry_after


async def test_per_key_limit(app: FastAPI, settings: Settings) -> None:
    async with (
        limited_app(settings, rate_limit_user="3/minute") as limited,
        make_client(limited, OWNER_A.api_key) as a,
        make_client(limited, OWNER_B.api_key) as b,
    ):
        for _ in range(3):
            assert (await a.get("/api/v1/agents")).status_code == 200
        _assert_429(await a.get("/api/v1/agents"))
        # Another key has its own budget; public routes are not counted per key.
        assert (await b.get("/api/v1/agents")).status_code == 200
        assert (await a.get("/api/v1/auth/status")).status_code == 200


async def test_per_address_limit_covers_public_routes(app: FastAPI, settings: Settings) -> None:
    async with (
        limited_app(settings, rate_limit_ip="4/minute") as limited,
        make_client(limited) as anon,
    ):
        wrong = {"email": OWNER_A.email, "password": "guessing-" + "x" * 8}
        for _ in range(4):
            assert (await anon.post("/api/v1/auth/login", json=wrong)).status_code == 401
        _assert_429(await anon.post("/api/v1/auth/login", json=wrong))
        right = {"email": OWNER_A.email, "password": OWNER_A.password}
        _assert_429(await anon.post("/api/v1/auth/login", json=right))
        # Load-balancer probes are never throttled.
        assert (await anon.get("/health")).status_code == 200
        # Another address has its own budget (in-process transport: no packet is sent).
        transport = httpx.ASGITransport(app=limited, client=("192.0.2.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as elsewhere:
            assert (await elsewhere.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_a_429_carries_cors_headers(app: FastAPI, settings: Settings) -> None:
    async with (
        limited_app(settings, rate_limit_ip="1/minute") as limited,
        make_client(limited) as anon,
    ):
        origin = {"Origin": "http://localhost:3000"}
        await anon.get("/api/v1/auth/status", headers=origin)
        response = await anon.get("/api/v1/auth/status", headers=origin)
        _assert_429(response)
        assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL")
async def test_limit_holds_across_two_instances_sharing_redis(
    app: FastAPI, settings: Settings
) -> None:
    async with (
        limited_app(settings, rate_limit_user="4/minute") as first,
        limited_app(settings, rate_limit_user="4/minute") as second,
        make_client(first, OWNER_A.api_key) as via_first,
        make_client(second, OWNER_A.api_key) as via_second,
    ):
        assert first.state.rate_limiter is not second.state.rate_limiter
        for client in (via_first, via_second, via_first, via_second):
            assert (await client.get("/api/v1/agents")).status_code == 200
        _assert_429(await via_first.get("/api/v1/agents"))
        _assert_429(await via_second.get("/api/v1/agents"))


async def test_without_redis_each_instance_counts_alone(app: FastAPI, settings: Settings) -> None:
    async with (
        limited_app(settings, rate_limit_user="2/minute", redis_url="") as first,
        limited_app(settings, rate_limit_user="2/minute", redis_url="") as second,
        make_client(first, OWNER_A.api_key) as via_first,
        make_client(second, OWNER_A.api_key) as via_second,
    ):
        for _ in range(2):
            assert (await via_first.get("/api/v1/agents")).status_code == 200
        _assert_429(await via_first.get("/api/v1/agents"))
        assert (await via_second.get("/api/v1/agents")).status_code == 200


async def test_unreachable_limiter_storage_falls_back_to_per_process_limits(
    app: FastAPI, settings: Settings
) -> None:
    application = create_app(
        make_settings(
            settings.resolved_database_url,
            settings.data_dir,
            rate_limit_user="1/minute",
            rate_limit_ip="1/minute",
        )
    )
    async with LifespanManager(application):
        # Swap the limiter for one whose Redis does not answer (port 1 on loopback).
        broken = make_settings(
            settings.resolved_database_url,
            settings.data_dir,
            redis_url="redis://127.0.0.1:1/0",
            rate_limit_user="1/minute",
            rate_limit_ip="1/minute",
        )
        await application.state.rate_limiter.aclose()
        application.state.rate_limiter = create_rate_limiter(broken)
        async with make_client(application, OWNER_A.api_key) as a:
            # Redis refuses: the API still answers, and the limit still holds (never unlimited).
            assert (await a.get("/api/v1/agents")).status_code == 200
            _assert_429(await a.get("/api/v1/agents"))
