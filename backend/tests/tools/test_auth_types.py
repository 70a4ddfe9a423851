"""Every auth type arrives exactly right at a real local server; OAuth2 refreshes correctly."""

from __future__ import annotations

import asyncio
import base64
import threading
from datetime import timedelta

import pytest
from fastapi import FastAPI

from app.credentials import service as credentials
from app.credentials.models import EncryptedCredential
from app.database import utcnow
from app.tools.http import HttpApiTool
from app.tools.runtime import ToolRuntime
from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest, Reply, json_reply
from tests.fakes.oauth_server import FakeOAuthServer
from tests.tools.conftest import GuardFactory
from tests.tools.helpers import make_tool, runtime_for

CANARY = "canary-SECRET-4fd9a1c7e2"


@pytest.fixture
def runtime(app: FastAPI, make_guard: GuardFactory) -> ToolRuntime:
    return runtime_for(app, make_guard(allow=["127.0.0.1"]))


def protect(server: FakeToolServer, path: str, ok: object) -> None:
    def handler(request: RecordedRequest) -> Reply:
        assert callable(ok)
        if not ok(request):
            return json_reply(401, {"error": "unauthorized"})
        return json_reply(200, {"ok": True, "seen": request.echo()})

    server.route("GET", path, handler)


async def test_no_auth_sends_no_credentials(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool = await make_tool(runtime, tool_server.url)
    result = await tool.call({})
    assert not result.is_error and result.status_code == 200
    assert tool_server.requests[0].header("Authorization") is None


async def test_api_key_in_a_header(runtime: ToolRuntime, tool_server: FakeToolServer) -> None:
    protect(tool_server, "/secure", lambda r: r.header("X-Api-Key") == CANARY)
    tool = await make_tool(
        runtime,
        tool_server.url,
        auth_type="api_key",
        config={"location": "header", "name": "X-Api-Key"},
        secrets={"api_key": CANARY},
        path="/secure",
    )
    result = await tool.call({})
    assert result.status_code == 200 and not result.is_error
    assert CANARY not in result.content and CANARY not in repr(result.data)
    assert "[REDACTED]" in result.content  # the server echoed it; we scrubbed it


async def test_api_key_in_the_query(runtime: ToolRuntime, tool_server: FakeToolServer) -> None:
    protect(tool_server, "/secure", lambda r: r.query.get("api_key") == [CANARY])
    tool = await make_tool(
        runtime,
        tool_server.url,
        auth_type="api_key",
        config={"location": "query", "name": "api_key"},
        secrets={"api_key": CANARY},
        path="/secure",
    )
    result = await tool.call({})
    assert result.status_code == 200
    assert CANARY not in repr(result.model_dump())


async def test_bearer(runtime: ToolRuntime, tool_server: FakeToolServer) -> None:
    protect(tool_server, "/secure", lambda r: r.header("Authorization") == f"Bearer {CANARY}")
    tool = await make_tool(
        runtime, tool_server.url, auth_type="bearer", secrets={"token": CANARY}, path="/secure"
    )
    result = await tool.call({})
    assert result.status_code == 200
    assert CANARY not in repr(result.model_dump())


async def test_basic(runtime: ToolRuntime, tool_server: FakeToolServer) -> None:
    expected = "Basic " + base64.b64encode(f"alice:{CANARY}".encode()).decode()
    protect(tool_server, "/secure", lambda r: r.header("Authorization") == expected)
    tool = await make_tool(
        runtime,
        tool_server.url,
        auth_type="basic",
        config={"username": "alice"},
        secrets={"password": CANARY},
        path="/secure",
    )
    result = await tool.call({})
    assert result.status_code == 200
    dumped = repr(result.model_dump())
    assert CANARY not in dumped and expected not in dumped


async def test_custom_headers(runtime: ToolRuntime, tool_server: FakeToolServer) -> None:
    protect(
        tool_server,
        "/secure",
        lambda r: r.header("X-Tenant") == "tenant-42-value" and r.header("X-Signature") == CANARY,
    )
    tool = await make_tool(
        runtime,
        tool_server.url,
        auth_type="custom_headers",
        secrets={"X-Tenant": "tenant-42-value", "X-Signature": CANARY},
        path="/secure",
    )
    result = await tool.call({})
    assert result.status_code == 200
    assert CANARY not in repr(result.model_dump())


async def test_wrong_secret_is_an_error_result_not_an_exception(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    protect(tool_server, "/secure", lambda r: r.header("Authorization") == "Bearer right")
    tool = await make_tool(
        runtime, tool_server.url, auth_type="bearer", secrets={"token": CANARY}, path="/secure"
    )
    result = await tool.call({})
    assert result.is_error and result.status_code == 401
    assert result.content.startswith("HTTP 401 from test_tool")


async def test_missing_secret_says_what_to_set(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool = await make_tool(runtime, tool_server.url, auth_type="bearer")
    result = await tool.call({})
    assert result.is_error
    assert "has no token set" in result.content
    assert tool_server.requests == []


# --- OAuth2 -------------------------------------------------------------------------------


def oauth_config(server: FakeOAuthServer, grant: str = "client_credentials") -> dict[str, str]:
    return {"grant_type": grant, "token_url": server.token_url, "client_id": server.client_id}


async def refresh_token_tool(runtime: ToolRuntime, oauth_server: FakeOAuthServer) -> HttpApiTool:
    """A tool on the fake OAuth server's /api/me using the refresh-token grant."""
    return await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config=oauth_config(oauth_server, "refresh_token"),
        secrets={
            "client_secret": oauth_server.client_secret,
            "refresh_token": oauth_server.refresh_token,
        },
        path="/api/me",
    )


async def stored(
    runtime: ToolRuntime, tool: HttpApiTool
) -> tuple[dict[str, str], EncryptedCredential]:
    async with runtime.sessionmaker() as session:
        row = await session.get(EncryptedCredential, tool.integration.credential_id)
        assert row is not None
        return await credentials.reveal_secret(session, row), row


async def expire(runtime: ToolRuntime, tool: HttpApiTool) -> None:
    async with runtime.sessionmaker() as session:
        row = await session.get(EncryptedCredential, tool.integration.credential_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=5)
        await session.commit()


async def test_client_credentials_fetches_once_and_reuses_the_token(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config=oauth_config(oauth_server),
        secrets={"client_secret": oauth_server.client_secret},
        path="/api/me",
    )
    first = await tool.call({})
    second = await tool.call({})
    assert first.status_code == second.status_code == 200
    assert len(oauth_server.token_requests) == 1
    assert oauth_server.token_requests[0]["grant_type"] == "client_credentials"
    secret, row = await stored(runtime, tool)
    assert secret["access_token"] == "at-1"
    assert b"at-1" not in row.ciphertext and row.expires_at is not None
    assert "at-1" not in first.content  # the API echoed the token; scrubbed


async def test_client_credentials_with_basic_client_auth(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config={**oauth_config(oauth_server), "client_auth": "basic", "scope": "read write"},
        secrets={"client_secret": oauth_server.client_secret},
        path="/api/me",
    )
    assert (await tool.call({})).status_code == 200
    form = oauth_server.token_requests[0]
    assert "client_secret" not in form and form["scope"] == "read write"


async def test_expired_token_is_refreshed_and_refresh_tokens_rotate(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await refresh_token_tool(runtime, oauth_server)
    assert (await tool.call({})).status_code == 200
    secret, _ = await stored(runtime, tool)
    assert secret["refresh_token"] == "rt-1-rotated"

    await expire(runtime, tool)
    result = await tool.call({})
    assert result.status_code == 200
    # The second refresh used the rotated token: the server refuses an old one.
    assert [f["refresh_token"] for f in oauth_server.token_requests] == [
        "rt-initial-CANARY-0002",
        "rt-1-rotated",
    ]
    secret, _ = await stored(runtime, tool)
    assert secret["access_token"] == "at-2" and secret["refresh_token"] == "rt-2-rotated"


async def test_a_401_refreshes_once_and_retries_once(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config=oauth_config(oauth_server),
        secrets={"client_secret": oauth_server.client_secret},
        path="/api/me",
    )
    assert (await tool.call({})).status_code == 200
    oauth_server.revoke_access_tokens()
    result = await tool.call({})
    assert result.status_code == 200
    assert len(oauth_server.token_requests) == 2
    calls = [r for r in oauth_server.http.requests if r.path == "/api/me"]
    assert len(calls) == 3  # ok, 401, retried ok


async def test_a_persistent_401_is_reported_after_one_refresh(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    oauth_server.http.route("GET", "/api/me", lambda r: json_reply(401, {"error": "nope"}))
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config=oauth_config(oauth_server),
        secrets={"client_secret": oauth_server.client_secret},
        path="/api/me",
    )
    result = await tool.call({})
    assert result.is_error and result.status_code == 401
    assert len(oauth_server.token_requests) == 2


async def test_a_refused_refresh_token_is_a_clear_error(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config=oauth_config(oauth_server, "refresh_token"),
        secrets={"client_secret": oauth_server.client_secret, "refresh_token": "rt-stale-value"},
        path="/api/me",
    )
    result = await tool.call({})
    assert result.is_error
    assert "HTTP 400 invalid_grant" in result.content
    assert "rt-stale-value" not in result.content


async def test_concurrent_calls_with_an_expired_token_refresh_exactly_once(
    runtime: ToolRuntime, oauth_server: FakeOAuthServer
) -> None:
    tool = await refresh_token_tool(runtime, oauth_server)
    assert (await tool.call({})).status_code == 200
    await expire(runtime, tool)
    requests_before = len(oauth_server.token_requests)

    # Hold the token endpoint until both calls are under way, so they overlap.
    oauth_server.token_gate = threading.Event()
    arrived = threading.Event()
    original = oauth_server.http.routes[("POST", "/token")]

    def gated(request: RecordedRequest) -> Reply:
        arrived.set()
        return original(request)

    oauth_server.http.route("POST", "/token", gated)
    calls = [asyncio.create_task(tool.call({})) for _ in range(2)]
    assert await asyncio.to_thread(arrived.wait, 10)
    for _ in range(20):  # let the second call reach the lock
        await asyncio.sleep(0)
    oauth_server.token_gate.set()
    results = await asyncio.gather(*calls)

    assert [r.status_code for r in results] == [200, 200]
    assert len(oauth_server.token_requests) - requests_before == 1
    secret, _ = await stored(runtime, tool)
    assert secret["refresh_token"] == "rt-2-rotated"


async def test_a_secret_that_no_longer_decrypts_is_a_clear_error(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool = await make_tool(runtime, tool_server.url, auth_type="bearer", secrets={"token": CANARY})
    async with runtime.sessionmaker() as session:
        row = await session.get(EncryptedCredential, tool.integration.credential_id)
        assert row is not None
        row.key_version = 99  # as if ENCRYPTION_KEYS lost the key it was written with
        await session.commit()
    result = await tool.call({})
    assert result.is_error and "do not decrypt" in result.content
    assert tool_server.requests == []
