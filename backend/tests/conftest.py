"""Shared fixtures.

The suite runs on SQLite by default. With TEST_DATABASE_URL (postgresql+asyncpg://...) it runs
on a fresh, uniquely named PostgreSQL database that is dropped afterwards; with TEST_REDIS_URL it
uses Redis under a unique key prefix. Several runs can share one server at the same time.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete

from app.config import Environment, Settings
from app.main import create_app
from app.migrations import upgrade_async
from app.models import Base
from tests.dbutil import create_database, drop_database

BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
RUN_ID = uuid.uuid4().hex[:10]


def pytest_report_header(config: pytest.Config) -> str:
    db = "postgresql" if BASE_DATABASE_URL.startswith("postgresql") else "sqlite"
    return f"agent-builder: database={db} redis={'on' if REDIS_URL else 'off'} run={RUN_ID}"


@pytest.fixture(scope="session")
def tmp_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
async def database_url(tmp_data_dir: Path) -> AsyncIterator[str]:
    url = await create_database(BASE_DATABASE_URL, tmp_data_dir, "suite")
    await upgrade_async(url)
    yield url
    await drop_database(BASE_DATABASE_URL, url)


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    key = base64.b64encode(b"k" * 32).decode()
    values: dict[str, object] = {
        "environment": Environment.test,
        "database_url": database_url,
        "auto_migrate": False,
        "data_dir": data_dir,
        "redis_url": REDIS_URL,
        "redis_key_prefix": f"abtest:{RUN_ID}:",
        "encryption_keys": SecretStr(f"1:{key}"),
        "jwt_secret": SecretStr("test-jwt-secret-" + "x" * 32),
        "test_run_id": RUN_ID,
        "openai_api_key": SecretStr(""),
        "anthropic_api_key": SecretStr(""),
        "google_api_key": SecretStr(""),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_data_dir: Path) -> Settings:
    return make_settings(database_url, tmp_data_dir)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application: FastAPI = request.getfixturevalue("app")
    async with application.state.sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    if application.state.redis is not None:
        keys = [k async for k in application.state.redis.scan_iter(f"abtest:{RUN_ID}:*")]
        if keys:
            await application.state.redis.delete(*keys)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def api_token() -> str:
    """A token scripts send as `Authorization: Bearer` or in the WebSocket `auth` frame."""
    return "test-token"
