"""Throw-away databases for tests: a SQLite file, or a uniquely named PostgreSQL database."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


async def create_database(base_url: str, tmp_dir: Path, label: str = "t") -> str:
    """Return the URL of a new empty database next to `base_url` (or a SQLite file)."""
    if not is_postgres(base_url):
        return f"sqlite+aiosqlite:///{tmp_dir / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
    name = f"ab_{label}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(base_url: str, url: str) -> None:
    if not is_postgres(base_url):
        return
    name = make_url(url).database
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()
