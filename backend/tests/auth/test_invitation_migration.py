"""Migration 0003_invitations: accounts still waiting for an invite under the old scheme (a
password-less user with a membership) become invitations; their old link keeps working."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.auth.tokens import hash_token
from app.database import create_engine
from app.migrations import downgrade, upgrade
from tests.conftest import BASE_DATABASE_URL
from tests.dbutil import create_database, drop_database

W1, W2 = uuid.uuid4(), uuid.uuid4()
WAITING, READY = uuid.uuid4(), uuid.uuid4()


def _table(name: str, *columns: sa.ColumnClause[object]) -> sa.TableClause:
    return sa.table(name, *columns)


TS = sa.DateTime(timezone=True)
workspaces = _table(
    "workspaces",
    sa.column("id", sa.Uuid()),
    sa.column("name"),
    sa.column("created_at", TS),
    sa.column("updated_at", TS),
)
users = _table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email"),
    sa.column("name"),
    sa.column("password_hash"),
    sa.column("is_active", sa.Boolean()),
    sa.column("invite_token_hash"),
    sa.column("invite_expires_at", TS),
    sa.column("created_at", TS),
    sa.column("updated_at", TS),
)
memberships = _table(
    "memberships",
    sa.column("id", sa.Uuid()),
    sa.column("workspace_id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("role"),
    sa.column("created_at", TS),
    sa.column("updated_at", TS),
)
invitations = _table(
    "invitations",
    sa.column("workspace_id", sa.Uuid()),
    sa.column("email"),
    sa.column("role"),
    sa.column("token_hash"),
    sa.column("created_at", TS),
)


async def _run(url: str, statement: sa.Executable) -> list[sa.Row[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(statement)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_waiting_accounts_become_invitations(tmp_path: Path) -> None:
    url = await create_database(BASE_DATABASE_URL, tmp_path, "invmig")
    try:
        await asyncio.to_thread(upgrade, url, "0002")
        now = datetime.now(UTC)
        await _run(
            url,
            sa.insert(workspaces).values(
                [
                    {"id": wid, "name": name, "created_at": now, "updated_at": now}
                    for wid, name in ((W1, "one"), (W2, "two"))
                ]
            ),
        )
        user = {"name": "x", "is_active": True, "created_at": now, "updated_at": now}
        await _run(
            url,
            sa.insert(users).values(
                [
                    user
                    | {
                        "id": WAITING,
                        "email": "waiting@example.com",
                        "password_hash": None,
                        "invite_token_hash": hash_token("old-link"),
                        "invite_expires_at": now + timedelta(days=3),
                    },
                    user
                    | {
                        "id": READY,
                        "email": "ready@example.com",
                        "password_hash": "hash",
                        "invite_token_hash": None,
                        "invite_expires_at": None,
                    },
                ]
            ),
        )
        joined = (
            (W1, WAITING, "admin", now),
            (W2, WAITING, "member", now + timedelta(seconds=1)),
            (W1, READY, "owner", now),
        )
        await _run(
            url,
            sa.insert(memberships).values(
                [
                    {
                        "id": uuid.uuid4(),
                        "workspace_id": wid,
                        "user_id": uid,
                        "role": role,
                        "created_at": at,
                        "updated_at": at,
                    }
                    for wid, uid, role, at in joined
                ]
            ),
        )

        await asyncio.to_thread(upgrade, url)

        rows = await _run(
            url,
            sa.select(
                invitations.c.workspace_id,
                invitations.c.email,
                invitations.c.role,
                invitations.c.token_hash,
            ).order_by(invitations.c.created_at),
        )
        assert [tuple(r[:3]) for r in rows] == [
            (W1, "waiting@example.com", "admin"),
            (W2, "waiting@example.com", "member"),
        ]
        assert rows[0][3] == hash_token("old-link")  # the old link still opens the first one
        assert rows[1][3] != hash_token("old-link")  # the second needs re-sending
        assert await _run(url, sa.select(users.c.email)) == [("ready@example.com",)]
        assert await _run(url, sa.select(memberships.c.user_id)) == [(READY,)]

        await asyncio.to_thread(downgrade, url, "0002")
        restored = await _run(url, sa.select(users.c.invite_token_hash))
        assert restored == [(None,)]
    finally:
        await drop_database(BASE_DATABASE_URL, url)
