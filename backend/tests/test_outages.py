"""A database outage is a 503 `database_unavailable` with Retry-After on every REST endpoint,
never a 500; real bugs in database code stay 500s."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import httpx
import pytest
import sqlalchemy.exc
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.db_errors import is_database_unavailable
from app.main import create_app
from tests.conftest import BASE_DATABASE_URL, make_settings
from tests.dbutil import is_postgres
from tests.faults import database_down, refused_port


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["details"]["retry_after_s"] == 5


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/agents"),
        ("POST", "/api/v1/agents"),
        ("GET", "/api/v1/auth/me"),
    ],
)
async def test_rest_answers_503_while_the_database_is_down(
    app: FastAPI, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"name": "Bot", "provider": "openai", "model": "gpt-4o-mini"}
    with database_down(app.state.engine) as fault:
        response = await client.request(method, path, json=body if method == "POST" else None)
    assert fault.failed >= 1
    assert_unavailable(response)
    # Once the database is back the same request works: nothing was left broken.
    again = await client.request(method, path, json=body if method == "POST" else None)
    assert again.status_code < 300, again.text


async def test_a_refused_postgresql_connection_is_503(tmp_path: Path) -> None:
    # Nothing listens on this loopback port: asyncpg's raw ConnectionRefusedError at connect.
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{refused_port()}/none"
    app = create_app(make_settings(url, tmp_path))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/api/v1/agents", headers={"Authorization": "Bearer ab_x"})
            health = await c.get("/health")
    assert_unavailable(response)
    assert health.status_code == 503 and health.json()["database"] == "error"


async def test_a_bug_in_database_code_stays_a_500(settings: Settings) -> None:
    app = create_app(make_settings(settings.resolved_database_url, settings.data_dir))

    @app.get("/bug")
    async def bug() -> None:
        async with app.state.sessionmaker() as session:
            await session.execute(sqlalchemy.text("SELECT * FROM no_such_table"))

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/bug")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (
            sqlalchemy.exc.DBAPIError(
                "SELECT 1", {}, Exception("gone"), connection_invalidated=True
            ),
            True,
        ),
        (
            sqlalchemy.exc.OperationalError(
                "SELECT", {}, sqlite3.OperationalError("database is locked")
            ),
            True,
        ),
        (
            sqlalchemy.exc.OperationalError(
                "SELECT", {}, sqlite3.OperationalError("no such table: x")
            ),
            False,
        ),
        (
            sqlalchemy.exc.InterfaceError(
                "SELECT", {}, Exception("another operation is in progress")
            ),
            False,
        ),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432)"), True),
        (sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (FileNotFoundError(2, "No such file"), False),
        (ValueError("bad"), False),
    ],
)
def test_what_counts_as_an_outage(error: BaseException, outage: bool) -> None:
    assert is_database_unavailable(error) is outage


@pytest.mark.skipif(not is_postgres(BASE_DATABASE_URL), reason="PostgreSQL only")
async def test_a_connection_terminated_mid_query_is_503(settings: Settings) -> None:
    """A real outage on PostgreSQL: the backend serving a request is terminated mid-query
    (pg_terminate_backend, on this run's own database only)."""
    url = settings.resolved_database_url
    app = create_app(make_settings(url, settings.data_dir))

    @app.get("/slow")
    async def slow() -> None:
        async with app.state.sessionmaker() as session:
            await session.execute(sqlalchemy.text("SELECT pg_sleep(60) /* outage-test */"))

    admin = create_async_engine(BASE_DATABASE_URL, isolation_level="AUTOCOMMIT")
    find = sqlalchemy.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() "
        "AND state = 'active' AND query LIKE '%outage-test%'"
    )
    try:
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                request = asyncio.create_task(c.get("/slow"))
                async with admin.connect() as conn:
                    pids: list[int] = []
                    while not pids:  # until the query runs; the wait_for below bounds the test
                        assert not request.done(), request.result().text
                        await asyncio.sleep(0.05)
                        pids = list(
                            (await conn.execute(find, {"db": make_url(url).database})).scalars()
                        )
                    for pid in pids:
                        await conn.execute(
                            sqlalchemy.text("SELECT pg_terminate_backend(:p)"), {"p": pid}
                        )
                response = await asyncio.wait_for(request, 30)
    finally:
        await admin.dispose()
    assert_unavailable(response)
