"""Members: change roles, remove; who may do which, and the last owner rule. Joining is by
invitation only (test_invitations.py)."""

from __future__ import annotations

from dataclasses import replace

import httpx
from fastapi import FastAPI

from tests.auth.conftest import INVITATIONS, bearer, join_workspace, login
from tests.conftest import OWNER_A, OWNER_B, make_client

MEMBERS = "/api/v1/workspace/members"


async def _member_client(
    app: FastAPI, owner: httpx.AsyncClient, role: str, email: str
) -> httpx.AsyncClient:
    session = await join_workspace(app, owner, email, role=role, name=role)
    return make_client(app, session["access_token"])


async def test_members_cannot_manage_members_or_provider_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with await _member_client(app, client, "member", "m@example.com") as member:
        assert (await member.get(MEMBERS)).status_code == 200
        forbidden = await member.post(INVITATIONS, json={"email": "z@example.com"})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == "forbidden"
        assert (await member.get(INVITATIONS)).status_code == 403
        patch = await member.patch(f"{MEMBERS}/{OWNER_A.user_id}", json={"role": "member"})
        assert patch.status_code == 403
        assert (await member.delete(f"{MEMBERS}/{OWNER_A.user_id}")).status_code == 403
        put = await member.put(
            "/api/v1/workspace/provider-keys/openai", json={"api_key": "sk-" + "x" * 30}
        )
        assert put.status_code == 403
        # A member's own API key is a member key.
        key = (await member.post("/api/v1/workspace/api-keys", json={"name": "mine"})).json()
        assert key["role"] == "member"
    roles = {m["email"]: m["role"] for m in (await client.get(MEMBERS)).json()["items"]}
    assert roles == {OWNER_A.email: "owner", "m@example.com": "member"}


async def test_admins_manage_members_but_not_owners(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with await _member_client(app, client, "admin", "adm@example.com") as admin:
        joined = await join_workspace(app, admin, "c@example.com", name="c")
        user_id = joined["user"]["id"]
        promoted = await admin.patch(f"{MEMBERS}/{user_id}", json={"role": "admin"})
        assert promoted.json()["role"] == "admin"
        to_owner = await admin.patch(f"{MEMBERS}/{user_id}", json={"role": "owner"})
        assert to_owner.status_code == 403
        demote_owner = await admin.patch(f"{MEMBERS}/{OWNER_A.user_id}", json={"role": "member"})
        assert demote_owner.status_code == 403
        assert (await admin.delete(f"{MEMBERS}/{OWNER_A.user_id}")).status_code == 403
        assert (await admin.delete(f"{MEMBERS}/{user_id}")).status_code == 204
    emails = {m["email"] for m in (await client.get(MEMBERS)).json()["items"]}
    assert emails == {OWNER_A.email, "adm@example.com"}


async def test_the_last_owner_stays(app: FastAPI, client: httpx.AsyncClient) -> None:
    demote = await client.patch(f"{MEMBERS}/{OWNER_A.user_id}", json={"role": "admin"})
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "conflict:last_owner"
    remove = await client.delete(f"{MEMBERS}/{OWNER_A.user_id}")
    assert remove.status_code == 409
    # With a second owner, the first may step down.
    await join_workspace(app, client, "second-owner@example.com", role="owner")
    demote = await client.patch(f"{MEMBERS}/{OWNER_A.user_id}", json={"role": "admin"})
    assert demote.status_code == 200 and demote.json()["role"] == "admin"


async def test_removed_member_loses_access_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with await _member_client(app, client, "member", "gone@example.com") as member:
        assert (await member.get("/api/v1/agents")).status_code == 200
        users = (await client.get(MEMBERS)).json()["items"]
        user_id = next(m["user_id"] for m in users if m["email"] == "gone@example.com")
        assert (await client.delete(f"{MEMBERS}/{user_id}")).status_code == 204
        assert (await member.get("/api/v1/agents")).status_code == 401


async def test_member_routes_404_for_unknown_users(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-0000-0000-00000000ffff"
    response = await client.patch(f"{MEMBERS}/{missing}", json={"role": "admin"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found:member"
    # A user of another workspace is not a member here either.
    response = await client.delete(f"{MEMBERS}/{OWNER_B.user_id}")
    assert response.status_code == 404


async def test_session_role_follows_role_changes(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    created = await join_workspace(
        app, client, "bob@example.com", role="admin", password="bobs-password"
    )
    user_id = created["user"]["id"]
    session = await login(
        anon_client,
        replace(OWNER_A, email="bob@example.com", password="bobs-password"),
    )
    headers = bearer(session["access_token"])
    assert (await anon_client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "admin"
    await client.patch(f"{MEMBERS}/{user_id}", json={"role": "member"})
    assert (await anon_client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "member"
