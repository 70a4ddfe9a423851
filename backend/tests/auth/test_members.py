"""Members: invite (new account or existing one), accept the invite, change roles, remove;
who may do which, and the last owner rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from fastapi import FastAPI

from tests.auth.conftest import bearer, login
from tests.conftest import OWNER_A, OWNER_B, make_client

MEMBERS = "/api/v1/workspace/members"


async def _invite(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post(MEMBERS, json={"name": "Bob", "email": "bob@example.com", **body})


async def test_invite_then_accept_then_use_the_workspace(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    created = await _invite(client, role="member")
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["invite_token"]
    assert token and body["invite_pending"] is True and body["role"] == "member"

    listed = (await client.get(MEMBERS)).json()["items"]
    assert {m["email"] for m in listed} == {OWNER_A.email, "bob@example.com"}
    assert all("invite_token" not in m for m in listed)

    # No password yet: login is impossible.
    no_login = await anon_client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "anything-at-all"}
    )
    assert no_login.status_code == 401

    accepted = await anon_client.post(
        "/api/v1/auth/accept-invite",
        json={"invite_token": token, "password": "bobs-password", "name": "Bob B."},
    )
    assert accepted.status_code == 200, accepted.text
    session = accepted.json()
    assert session["workspace"]["id"] == str(OWNER_A.workspace_id)
    assert session["role"] == "member"
    assert session["user"]["name"] == "Bob B."

    again = await anon_client.post(
        "/api/v1/auth/accept-invite",
        json={"invite_token": token, "password": "other-password", "name": "Eve"},
    )
    assert again.status_code == 401
    anon_client.cookies.clear()
    relogin = await anon_client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "bobs-password"}
    )
    assert relogin.status_code == 200
    pending = [m for m in (await client.get(MEMBERS)).json()["items"] if m["name"] == "Bob B."]
    assert pending[0]["invite_pending"] is False


async def test_invite_with_a_password_creates_a_ready_account(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    created = await _invite(client, role="admin", password="bobs-password")
    assert created.status_code == 201
    assert created.json()["invite_token"] is None
    assert "bobs-password" not in created.text
    response = await anon_client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "bobs-password"}
    )
    assert response.json()["role"] == "admin"


async def test_adding_an_existing_user_keeps_their_password(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    response = await client.post(
        MEMBERS, json={"email": OWNER_B.email, "name": "x", "password": "hijacked-password"}
    )
    assert response.status_code == 201
    assert response.json()["invite_token"] is None
    assert response.json()["name"] == OWNER_B.name
    # B's password is unchanged, and B can now sign in to A as a member.
    session = await anon_client.post(
        "/api/v1/auth/login",
        json={
            "email": OWNER_B.email,
            "password": OWNER_B.password,
            "workspace_id": str(OWNER_A.workspace_id),
        },
    )
    assert session.status_code == 200
    assert session.json()["role"] == "member"
    hijack = await anon_client.post(
        "/api/v1/auth/login", json={"email": OWNER_B.email, "password": "hijacked-password"}
    )
    assert hijack.status_code == 401
    duplicate = await client.post(MEMBERS, json={"email": OWNER_B.email, "name": "x"})
    assert duplicate.status_code == 409


async def _member_client(
    app: FastAPI, owner: httpx.AsyncClient, role: str, email: str
) -> httpx.AsyncClient:
    await owner.post(
        MEMBERS, json={"email": email, "name": role, "role": role, "password": "p" * 10}
    )
    anon = make_client(app)
    response = await anon.post("/api/v1/auth/login", json={"email": email, "password": "p" * 10})
    await anon.aclose()
    return make_client(app, response.json()["access_token"])


async def test_members_cannot_manage_members_or_provider_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with await _member_client(app, client, "member", "m@example.com") as member:
        assert (await member.get(MEMBERS)).status_code == 200
        forbidden = await member.post(MEMBERS, json={"email": "z@example.com", "name": "z"})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == "forbidden"
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
        created = await admin.post(MEMBERS, json={"email": "c@example.com", "name": "c"})
        assert created.status_code == 201
        user_id = created.json()["user_id"]
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


async def test_the_last_owner_stays(client: httpx.AsyncClient) -> None:
    demote = await client.patch(f"{MEMBERS}/{OWNER_A.user_id}", json={"role": "admin"})
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "conflict:last_owner"
    remove = await client.delete(f"{MEMBERS}/{OWNER_A.user_id}")
    assert remove.status_code == 409
    # With a second owner, the first may step down.
    second = await _invite(client, role="owner", password="second-owner")
    assert second.status_code == 201
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


async def test_invite_validation(client: httpx.AsyncClient) -> None:
    response = await _invite(client, role="superuser")
    assert response.status_code == 422
    response = await _invite(client, password="short")
    assert response.status_code == 422
    assert "short" not in response.json()["error"]["message"]


async def test_accept_invite_with_a_bad_token(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.post(
        "/api/v1/auth/accept-invite",
        json={"invite_token": "not-a-token", "password": "long-enough", "name": "x"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_invalid"


async def test_session_role_follows_role_changes(
    app: FastAPI, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    created = await _invite(client, role="admin", password="bobs-password")
    user_id = created.json()["user_id"]
    session = await login(
        anon_client,
        replace(OWNER_A, email="bob@example.com", password="bobs-password"),
    )
    headers = bearer(session["access_token"])
    assert (await anon_client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "admin"
    await client.patch(f"{MEMBERS}/{user_id}", json={"role": "member"})
    assert (await anon_client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "member"
