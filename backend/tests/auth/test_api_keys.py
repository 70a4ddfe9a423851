"""API keys: shown once, stored hashed, listed by prefix, revocable; they authenticate."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.models import ApiKey
from tests.auth.conftest import bearer, join_workspace
from tests.conftest import OWNER_A, OWNER_B

KEYS = "/api/v1/workspace/api-keys"


async def test_create_list_use_revoke(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    created = await client.post(KEYS, json={"name": "ci"})
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"]) and len(key) > 40
    assert body["role"] == "owner" and body["revoked_at"] is None

    listed = await client.get(KEYS)
    assert key not in listed.text
    row = next(k for k in listed.json()["items"] if k["id"] == body["id"])
    assert row["prefix"] == body["prefix"] and row["name"] == "ci"
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(ApiKey.key_hash).where(ApiKey.name == "ci"))
    assert stored is not None and key not in stored

    me = await anon_client.get("/api/v1/auth/me", headers=bearer(key))
    assert me.status_code == 200
    assert me.json()["workspace"]["id"] == str(OWNER_A.workspace_id)
    used = next(k for k in (await client.get(KEYS)).json()["items"] if k["id"] == body["id"])
    assert used["last_used_at"] is not None

    assert (await client.delete(f"{KEYS}/{body['id']}")).status_code == 204
    revoked = await anon_client.get("/api/v1/auth/me", headers=bearer(key))
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "auth_invalid"
    row = next(k for k in (await client.get(KEYS)).json()["items"] if k["id"] == body["id"])
    assert row["revoked_at"] is not None


async def test_keys_of_another_workspace_are_invisible(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    ids = {k["id"] for k in (await other_client.get(KEYS)).json()["items"]}
    assert str(OWNER_A.api_key_id) not in ids
    assert ids == {str(OWNER_B.api_key_id)}
    response = await other_client.delete(f"{KEYS}/{OWNER_A.api_key_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found:api_key"
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_a_key_stops_working_when_its_creator_leaves(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    session = await join_workspace(app, client, "c@example.com", role="admin")
    key = (
        await anon_client.post(KEYS, json={"name": "c"}, headers=bearer(session["access_token"]))
    ).json()["key"]
    assert (await anon_client.get("/api/v1/auth/me", headers=bearer(key))).json()["role"] == "admin"
    # Demoted: the key follows the lower role.
    await client.patch(
        f"/api/v1/workspace/members/{session['user']['id']}", json={"role": "member"}
    )
    assert (await anon_client.get("/api/v1/auth/me", headers=bearer(key))).json()[
        "role"
    ] == "member"
    await client.delete(f"/api/v1/workspace/members/{session['user']['id']}")
    assert (await anon_client.get("/api/v1/auth/me", headers=bearer(key))).status_code == 401


async def test_create_validates(client: httpx.AsyncClient) -> None:
    assert (await client.post(KEYS, json={})).status_code == 422
    assert (await client.post(KEYS, json={"name": ""})).status_code == 422
    assert (await client.delete(f"{KEYS}/not-a-uuid")).status_code == 422
