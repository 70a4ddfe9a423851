"""Helpers for the auth tests (and any test that needs a second member): logging in, wiping
every account, inviting, joining a workspace."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from app.models import Base
from tests.conftest import Identity, make_client


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


INVITATIONS = "/api/v1/workspace/invitations"


async def invite(admin: httpx.AsyncClient, email: str, role: str = "member") -> dict[str, Any]:
    """Invite `email` as `admin`; the body includes the one-time `token`."""
    response = await admin.post(INVITATIONS, json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def join_workspace(
    app: FastAPI,
    admin: httpx.AsyncClient,
    email: str,
    *,
    role: str = "member",
    password: str = "a-long-password",
    name: str = "New Member",
) -> dict[str, Any]:
    """A new person joins the admin's workspace the only way there is: invited, then accepting
    with their own name and password. Returns the session (`access_token`, `user`, ...)."""
    token = (await invite(admin, email, role))["token"]
    async with make_client(app) as anon:
        accepted = await anon.post(
            "/api/v1/auth/accept-invite",
            json={"invite_token": token, "password": password, "name": name},
        )
    assert accepted.status_code == 200, accepted.text
    session: dict[str, Any] = accepted.json()
    return session
