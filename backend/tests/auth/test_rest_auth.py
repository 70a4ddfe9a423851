"""REST authentication failures: missing, malformed, forged, expired and revoked tokens, and
cookie-authenticated writes from a foreign Origin."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from fastapi import FastAPI

from app.auth.tokens import AccessClaims, encode_access_token
from tests.auth.conftest import bearer, login
from tests.conftest import OWNER_A

ME = "/api/v1/auth/me"


def _error(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def test_missing_credentials(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/api/v1/agents")
    assert response.status_code == 401
    assert _error(response) == "auth_required"


async def test_malformed_and_forged_tokens(app: FastAPI, anon_client: httpx.AsyncClient) -> None:
    for header in ("Basic abc", "Bearer", "Bearer ab_unknownkey_123", "Bearer not.a.jwt"):
        response = await anon_client.get(ME, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert _error(response) == "auth_invalid", header
    forged = encode_access_token(
        "another-secret-" + "y" * 32,
        AccessClaims(OWNER_A.user_id, OWNER_A.workspace_id, uuid.uuid4()),
        60,
    )
    response = await anon_client.get(ME, headers=bearer(forged))
    assert response.status_code == 401 and _error(response) == "auth_invalid"
    unsigned = jwt.encode({"sub": str(OWNER_A.user_id)}, key=None, algorithm="none")
    assert (await anon_client.get(ME, headers=bearer(unsigned))).status_code == 401


async def test_expired_access_token(app: FastAPI, anon_client: httpx.AsyncClient) -> None:
    session = await login(anon_client, OWNER_A)
    anon_client.cookies.clear()
    valid = jwt.decode(session["access_token"], options={"verify_signature": False})
    expired = encode_access_token(
        app.state.jwt_secret,
        AccessClaims(OWNER_A.user_id, OWNER_A.workspace_id, uuid.UUID(valid["sid"])),
        60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    response = await anon_client.get(ME, headers=bearer(expired))
    assert response.status_code == 401
    assert _error(response) == "auth_expired"
    assert (await anon_client.get(ME, headers=bearer(session["access_token"]))).is_success


async def test_token_for_a_workspace_the_user_left_is_refused(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    session = await login(anon_client, OWNER_A)
    valid = jwt.decode(session["access_token"], options={"verify_signature": False})
    other_workspace = encode_access_token(
        app.state.jwt_secret,
        AccessClaims(OWNER_A.user_id, uuid.uuid4(), uuid.UUID(valid["sid"])),
        60,
    )
    anon_client.cookies.clear()
    assert (await anon_client.get(ME, headers=bearer(other_workspace))).status_code == 401


async def test_cookie_writes_need_an_allowed_origin(anon_client: httpx.AsyncClient) -> None:
    await login(anon_client, OWNER_A)
    body = {"name": "a", "provider": "openai", "model": "gpt-4o-mini"}
    evil = await anon_client.post(
        "/api/v1/agents", json=body, headers={"Origin": "http://evil.example"}
    )
    assert evil.status_code == 403
    assert _error(evil) == "forbidden:origin"
    assert (await anon_client.get("/api/v1/agents")).json()["total"] == 0

    ok = await anon_client.post(
        "/api/v1/agents", json=body, headers={"Origin": "http://localhost:3000"}
    )
    assert ok.status_code == 201
    # Reads are not refused (SameSite=Lax already keeps the cookie off cross-site writes).
    read = await anon_client.get("/api/v1/agents", headers={"Origin": "http://evil.example"})
    assert read.status_code == 200


async def test_bearer_writes_ignore_origin(client: httpx.AsyncClient) -> None:
    body = {"name": "a", "provider": "openai", "model": "gpt-4o-mini"}
    response = await client.post(
        "/api/v1/agents", json=body, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 201


async def test_errors_never_echo_the_token(anon_client: httpx.AsyncClient) -> None:
    token = "ab_secretvalue_" + "z" * 40
    response = await anon_client.get(ME, headers=bearer(token))
    assert token not in response.text and "zzzz" not in response.text
