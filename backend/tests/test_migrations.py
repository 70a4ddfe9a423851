"""The migrations create exactly the models' schema, and go down and up again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.database import create_engine
from app.migrations import downgrade, upgrade
from app.models import Base
from tests.conftest import BASE_DATABASE_URL
from tests.dbutil import create_database, drop_database

TABLES = {
    "agents",
    "users",
    "workspaces",
    "memberships",
    "api_keys",
    "refresh_tokens",
    "invitations",
    "integrations",
    "tools",
    "encrypted_credentials",
    "conversations",
    "messages",
    "deployments",
    "execution_traces",
}


def _diff(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_without_drift(tmp_path: Path) -> None:
    import asyncio

    url = await create_database(BASE_DATABASE_URL, tmp_path, "mig")
    try:
        await asyncio.to_thread(upgrade, url)
        await asyncio.to_thread(downgrade, url, "base")
        engine = create_engine(url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        await asyncio.to_thread(upgrade, url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == TABLES
            assert await conn.run_sync(_diff) == []
        await engine.dispose()
    finally:
        await drop_database(BASE_DATABASE_URL, url)
