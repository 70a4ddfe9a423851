"""Helpers for the auth tests: logging in, wiping every account, a second app instance."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from app.models import Base
from tests.conftest import Identity


async def login(client: httpx.AsyncClient, ident: Identity) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"email": ident.email, "password": ident.password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def wipe_everything(app: FastAPI) -> None:
    """Delete every row, accounts included (the suite's cleanup recreates the identities)."""
    async with app.state.sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
