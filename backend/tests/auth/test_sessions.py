"""First-run setup, login, refresh rotation, logout and /me, over bearer tokens and cookies."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.agents.models import Agent
from app.auth.models import RefreshToken, User
from app.auth.principal import DEFAULT_WORKSPACE_ID
from tests.auth.conftest import bearer, login, wipe_everything
from tests.conftest import OWNER_A, OWNER_B

SETUP = {
    "email": "First@Example.com",
    "password": "correct horse battery",
    "name": "Ada",
    "workspace_name": "Ada's team",
}


async def test_setup_creates_the_owner_once_then_closes(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    assert (await anon_client.get("/api/v1/auth/status")).json() == {"setup_required": False}
    await wipe_everything(app)
    assert (await anon_client.get("/api/v1/auth/status")).json() == {"setup_required": True}

    response = await anon_client.post("/api/v1/auth/setup", json=SETUP)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "first@example.com"
    assert body["workspace"] == {"id": str(DEFAULT_WORKSPACE_ID), "name": "Ada's team"}
    assert body["role"] == "owner"
    assert body["expires_in"] > 0
    assert "password" not in response.text and SETUP["password"] not in response.text
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2")

    me = await anon_client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["user"]["name"] == "Ada"

    again = await anon_client.post("/api/v1/auth/setup", json={**SETUP, "email": "x@example.com"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "setup_closed"
    assert (await anon_client.get("/api/v1/auth/status")).json() == {"setup_required": False}


async def test_setup_adopts_data_made_before_it(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    await wipe_everything(app)
    async with app.state.sessionmaker() as session:
        session.add(
            Agent(workspace_id=DEFAULT_WORKSPACE_ID, name="early", provider="openai", model="m")
        )
        await session.commit()
    body = (await anon_client.post("/api/v1/auth/setup", json=SETUP)).json()
    agents = await anon_client.get("/api/v1/agents", headers=bearer(body["access_token"]))
    assert [a["name"] for a in agents.json()["items"]] == ["early"]


async def test_setup_validates_its_input(app: FastAPI, anon_client: httpx.AsyncClient) -> None:
    await wipe_everything(app)
    short = await anon_client.post("/api/v1/auth/setup", json={**SETUP, "password": "pw-1234"})
    assert short.status_code == 422
    assert "pw-1234" not in short.text
    bad_email = await anon_client.post("/api/v1/auth/setup", json={**SETUP, "email": "nope"})
    assert bad_email.status_code == 422
    assert (await anon_client.get("/api/v1/auth/status")).json() == {"setup_required": True}


async def test_login_sets_httponly_cookies_that_authenticate(
    anon_client: httpx.AsyncClient,
) -> None:
    response = await anon_client.post(
        "/api/v1/auth/login", json={"email": OWNER_A.email.upper(), "password": OWNER_A.password}
    )
    assert response.status_code == 200
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    assert "httponly" in cookies["ab_access"] and "samesite=lax" in cookies["ab_access"]
    assert "path=/;" in cookies["ab_access"] or cookies["ab_access"].endswith("path=/")
    assert "httponly" in cookies["ab_refresh"] and "samesite=strict" in cookies["ab_refresh"]
    assert "path=/api/v1/auth" in cookies["ab_refresh"]

    me = await anon_client.get("/api/v1/auth/me")  # the client kept the cookie
    assert me.status_code == 200
    assert me.json() == {
        "user": {"id": str(OWNER_A.user_id), "email": OWNER_A.email, "name": OWNER_A.name},
        "workspace": {"id": str(OWNER_A.workspace_id), "name": OWNER_A.workspace_name},
        "role": "owner",
    }


async def test_login_failures_look_the_same(anon_client: httpx.AsyncClient) -> None:
    wrong = await anon_client.post(
        "/api/v1/auth/login", json={"email": OWNER_A.email, "password": "wrong password"}
    )
    unknown = await anon_client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "auth_invalid"
    assert "set-cookie" not in wrong.headers


async def test_login_to_a_workspace_the_user_is_not_in_fails(
    anon_client: httpx.AsyncClient,
) -> None:
    response = await anon_client.post(
        "/api/v1/auth/login",
        json={
            "email": OWNER_A.email,
            "password": OWNER_A.password,
            "workspace_id": str(OWNER_B.workspace_id),
        },
    )
    assert response.status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_login(
    anon_client: httpx.AsyncClient,
) -> None:
    first = await login(anon_client, OWNER_A)
    anon_client.cookies.clear()
    second = await anon_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"]
    assert (
        await anon_client.get("/api/v1/auth/me", headers=bearer(new["access_token"]))
    ).is_success

    # The rotated-out token comes back: someone copied it. The whole login ends.
    anon_client.cookies.clear()
    reuse = await anon_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "auth_invalid"
    after = await anon_client.get("/api/v1/auth/me", headers=bearer(new["access_token"]))
    assert after.status_code == 401
    anon_client.cookies.clear()
    newest = await anon_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]}
    )
    assert newest.status_code == 401


async def test_refresh_from_the_cookie(anon_client: httpx.AsyncClient) -> None:
    await login(anon_client, OWNER_A)
    # httpx sends the path-scoped ab_refresh cookie only under /api/v1/auth, like a browser.
    response = await anon_client.post("/api/v1/auth/refresh")
    assert response.status_code == 200
    assert (await anon_client.post("/api/v1/auth/refresh")).status_code == 200


async def test_refresh_without_a_token_is_refused(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.post("/api/v1/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_required"
    garbage = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert garbage.status_code == 401


async def test_logout_revokes_the_refresh_and_access_tokens(
    anon_client: httpx.AsyncClient,
) -> None:
    session = await login(anon_client, OWNER_A)
    response = await anon_client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    cleared = " ".join(response.headers.get_list("set-cookie")).lower()
    assert "ab_access=" in cleared and "ab_refresh=" in cleared and "max-age=0" in cleared
    assert (await anon_client.get("/api/v1/auth/me")).status_code == 401
    me = await anon_client.get("/api/v1/auth/me", headers=bearer(session["access_token"]))
    assert me.status_code == 401
    refresh = await anon_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_logout_with_a_bearer_access_token(anon_client: httpx.AsyncClient) -> None:
    session = await login(anon_client, OWNER_A)
    anon_client.cookies.clear()
    headers = bearer(session["access_token"])
    assert (await anon_client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await anon_client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_logout_needs_some_credential(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.post("/api/v1/auth/logout")
    assert response.status_code == 401


async def test_two_logins_are_independent(anon_client: httpx.AsyncClient) -> None:
    laptop = await login(anon_client, OWNER_A)
    phone = await login(anon_client, OWNER_A)
    anon_client.cookies.clear()
    await anon_client.post("/api/v1/auth/logout", headers=bearer(laptop["access_token"]))
    assert (
        await anon_client.get("/api/v1/auth/me", headers=bearer(phone["access_token"]))
    ).status_code == 200


async def test_me_with_an_api_key(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/auth/me")).json()
    assert body["workspace"]["id"] == str(OWNER_A.workspace_id)
    assert body["user"]["id"] == str(OWNER_A.user_id)
    assert body["role"] == "owner"


async def test_random_uuid_login_workspace_is_invalid(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.post(
        "/api/v1/auth/login",
        json={
            "email": OWNER_A.email,
            "password": OWNER_A.password,
            "workspace_id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 401


async def test_two_setups_at_once_make_one_owner(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    await wipe_everything(app)
    first, second = await asyncio.gather(
        anon_client.post("/api/v1/auth/setup", json=SETUP),
        anon_client.post("/api/v1/auth/setup", json={**SETUP, "email": "second@example.com"}),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    async with app.state.sessionmaker() as session:
        assert len(list(await session.scalars(select(User)))) == 1


async def test_expired_refresh_tokens_are_refused_and_pruned(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    old = await login(anon_client, OWNER_A)
    anon_client.cookies.clear()
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    expired = await anon_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "auth_expired"
    await login(anon_client, OWNER_A)
    async with app.state.sessionmaker() as session:
        remaining = list(await session.scalars(select(RefreshToken)))
    assert len(remaining) == 1 and remaining[0].expires_at > datetime.now(UTC)
