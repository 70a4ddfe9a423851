"""Shared fixtures.

The suite runs on SQLite by default. With TEST_DATABASE_URL (postgresql+asyncpg://...) it runs
on a fresh, uniquely named PostgreSQL database that is dropped afterwards; with TEST_REDIS_URL it
uses Redis under a unique key prefix. Several runs can share one server at the same time.

Identities: two workspaces exist for every test. Workspace A (the default workspace id) is
owned by `OWNER_A`; `client` calls the API as that owner with an API key (`api_token`), and
`other_client` as the owner of workspace B. `anon_client` sends no credentials. The rows are
recreated after each test's table cleanup, so a test may change or delete them freely.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import ApiKey, Membership, Role, User, Workspace
from app.auth.passwords import hash_password_sync
from app.auth.principal import DEFAULT_WORKSPACE_ID
from app.auth.tokens import hash_token
from app.config import Environment, Settings
from app.main import create_app
from app.migrations import upgrade_async
from app.models import Base
from tests.canary import Canary
from tests.dbutil import create_database, drop_database

BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
RUN_ID = uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Identity:
    """A workspace, its owner (who can log in with `email`/`password`) and an API key."""

    workspace_id: uuid.UUID
    workspace_name: str
    user_id: uuid.UUID
    email: str
    password: str
    name: str
    api_key_id: uuid.UUID
    api_key: str


OWNER_A = Identity(
    workspace_id=DEFAULT_WORKSPACE_ID,
    workspace_name="Workspace A",
    user_id=uuid.UUID("00000000-0000-0000-0000-00000000a001"),
    email="owner-a@example.com",
    password="password-a-" + RUN_ID,
    name="Owner A",
    api_key_id=uuid.UUID("00000000-0000-0000-0000-00000000a0a1"),
    api_key=f"ab_testkeyA_{RUN_ID}{uuid.uuid4().hex}",
)
OWNER_B = Identity(
    workspace_id=uuid.UUID("00000000-0000-0000-0000-00000000b000"),
    workspace_name="Workspace B",
    user_id=uuid.UUID("00000000-0000-0000-0000-00000000b001"),
    email="owner-b@example.com",
    password="password-b-" + RUN_ID,
    name="Owner B",
    api_key_id=uuid.UUID("00000000-0000-0000-0000-00000000b0a1"),
    api_key=f"ab_testkeyB_{RUN_ID}{uuid.uuid4().hex}",
)
_password_hashes: dict[str, str] = {}


async def seed_identities(maker: async_sessionmaker[AsyncSession]) -> None:
    """Insert OWNER_A and OWNER_B (workspace, user, owner membership, API key)."""
    async with maker() as session:
        for ident in (OWNER_A, OWNER_B):
            if ident.password not in _password_hashes:
                _password_hashes[ident.password] = hash_password_sync(ident.password)
            session.add(Workspace(id=ident.workspace_id, name=ident.workspace_name))
            session.add(
                User(
                    id=ident.user_id,
                    email=ident.email,
                    name=ident.name,
                    password_hash=_password_hashes[ident.password],
                )
            )
            await session.flush()
            session.add(
                Membership(
                    workspace_id=ident.workspace_id, user_id=ident.user_id, role=Role.owner.value
                )
            )
            session.add(
                ApiKey(
                    id=ident.api_key_id,
                    workspace_id=ident.workspace_id,
                    created_by=ident.user_id,
                    name="test key",
                    prefix=ident.api_key[:11],
                    key_hash=hash_token(ident.api_key),
                    role=Role.owner.value,
                )
            )
        await session.commit()


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
        # High enough for any suite; the rate-limit tests set their own.
        "rate_limit_user": "100000/minute",
        "rate_limit_ip": "100000/minute",
        "rate_limit_ws_frames": "100000/minute",
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
        await seed_identities(application.state.sessionmaker)
        yield application


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table after each test that used the app, then recreate the identities."""
    yield
    if "app" not in request.fixturenames:
        return
    application: FastAPI = request.getfixturevalue("app")
    async with application.state.sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    await seed_identities(application.state.sessionmaker)
    if application.state.redis is not None:
        keys = [k async for k in application.state.redis.scan_iter(f"abtest:{RUN_ID}:*")]
        if keys:
            await application.state.redis.delete(*keys)


def make_client(app: FastAPI, token: str | None = None) -> httpx.AsyncClient:
    """An in-process client; with `token`, every request sends `Authorization: Bearer`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Authenticated as the owner of workspace A (OWNER_A's API key)."""
    async with make_client(app, OWNER_A.api_key) as c:
        yield c


@pytest.fixture
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Authenticated as the owner of workspace B (OWNER_B's API key)."""
    async with make_client(app, OWNER_B.api_key) as c:
        yield c


@pytest.fixture
async def anon_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """No credentials at all."""
    async with make_client(app) as c:
        yield c


@pytest.fixture
def api_token() -> str:
    """A real API key of workspace A (owner role), for `Authorization: Bearer` or the
    WebSocket `auth` frame."""
    return OWNER_A.api_key


@pytest.fixture
def other_api_token() -> str:
    """A real API key of workspace B (owner role)."""
    return OWNER_B.api_key


@pytest.fixture
async def canary() -> AsyncIterator[Canary]:
    """A loopback listener no allowlist names: tests assert it saw no connection."""
    listener = await Canary().start()
    yield listener
    await listener.close()
