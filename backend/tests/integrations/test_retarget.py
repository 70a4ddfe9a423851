"""A saved credential goes only to the origin it was saved for.

For every auth type: a member cannot re-aim an integration that holds secrets; an admin can,
but only by entering the secrets again or by confirming (logged and recorded); a tool path that
resolves elsewhere never carries the credential; an OAuth token request never follows a
redirect. "Elsewhere" is always a second loopback server that records what reaches it.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.credentials.models import EncryptedCredential
from app.integrations.models import Integration
from app.tools.auth import credentials_go_to
from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest, Reply
from tests.fakes.oauth_server import FakeOAuthServer
from tests.integrations.conftest import assert_error
from tests.integrations.test_credential_roles import _member_client

OLD = "canary-OLD-secret-5e8d1c"
NEW = "canary-NEW-secret-9a7b3f"


@dataclass
class Case:
    """One auth type: how to create it against `saved` (a URL), its secrets, its tool path."""

    auth_type: str
    config: Callable[[FakeOAuthServer], dict[str, Any]]
    secrets: Callable[[str], dict[str, str]]
    oauth: bool = False

    @property
    def path(self) -> str:
        return "/api/me" if self.oauth else "/echo"


def _oauth(grant: str) -> Callable[[FakeOAuthServer], dict[str, Any]]:
    return lambda s: {"grant_type": grant, "token_url": s.token_url, "client_id": s.client_id}


CASES = {
    "api_key_header": Case(
        "api_key", lambda _: {"location": "header", "name": "X-Api-Key"}, lambda v: {"api_key": v}
    ),
    "api_key_query": Case(
        "api_key", lambda _: {"location": "query", "name": "api_key"}, lambda v: {"api_key": v}
    ),
    "bearer": Case("bearer", lambda _: {}, lambda v: {"token": v}),
    "basic": Case("basic", lambda _: {"username": "alice"}, lambda v: {"password": v}),
    "custom_headers": Case("custom_headers", lambda _: {}, lambda v: {"X-Signature": v}),
    "oauth2_client_credentials": Case(
        "oauth2", _oauth("client_credentials"), lambda v: {"client_secret": v}, oauth=True
    ),
    "oauth2_refresh_token": Case(
        "oauth2", _oauth("refresh_token"), lambda v: {"refresh_token": v}, oauth=True
    ),
}


def _forms(value: str) -> list[str]:
    """A secret as it could arrive: raw, and inside a Basic pair."""
    pairs = [f"alice:{value}", f"client-123:{value}"]
    return [value, *(base64.b64encode(p.encode()).decode() for p in pairs)]


def received(server: FakeToolServer) -> str:
    return repr([r.echo() for r in server.requests])


def assert_never_reached(server: FakeToolServer, *values: str) -> None:
    seen = received(server)
    for value in values:
        for form in _forms(value):
            assert form not in seen, f"{form!r} reached {server.url}"


@pytest.fixture
def oauth_old(oauth_server: FakeOAuthServer) -> FakeOAuthServer:
    """The OAuth server accepts OLD as its client secret and refresh token."""
    oauth_server.client_secret = OLD
    oauth_server.refresh_token = OLD
    return oauth_server


async def _setup(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    case: Case,
    saved: FakeToolServer,
    oauth: FakeOAuthServer,
) -> tuple[dict[str, Any], dict[str, Any]]:
    base = oauth.url if case.oauth else saved.url
    created = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={
            "name": f"API {case.auth_type}",
            "base_url": base,
            "auth_type": case.auth_type,
            "auth_config": case.config(oauth),
            "secrets": case.secrets(OLD),
        },
    )
    assert created.status_code == 201, created.text
    integration = created.json()
    tool = await client.post(
        f"/api/v1/integrations/{integration['id']}/tools", json={"name": "call", "path": case.path}
    )
    assert tool.status_code == 201, tool.text
    return integration, tool.json()


async def _test_tool(client: httpx.AsyncClient, tool: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("name", list(CASES))
async def test_a_member_cannot_re_aim_saved_credentials(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
    name: str,
) -> None:
    case = CASES[name]
    integration, tool = await _setup(client, agent, case, tool_server, oauth_old)
    async with await _member_client(app, client) as member:
        refused = await member.patch(
            f"/api/v1/integrations/{integration['id']}", json={"base_url": second_server.url}
        )
        error = assert_error(refused, 403, "forbidden:credentials")
        assert "owner or admin" in error["message"] and second_server.url in error["message"]
        confirmed = await member.patch(
            f"/api/v1/integrations/{integration['id']}",
            json={"base_url": second_server.url, "confirm_secret_retarget": True},
        )
        assert_error(confirmed, 403, "forbidden:credentials")
        # Members still use the integration, where it was saved for.
        result = await _test_tool(member, tool)
    assert result["ok"], result
    assert second_server.requests == []
    kept = (await client.get(f"/api/v1/integrations/{integration['id']}")).json()
    assert kept["base_url"] == (oauth_old.url if case.oauth else tool_server.url)


@pytest.mark.parametrize("name", list(CASES))
async def test_an_admin_re_aim_needs_the_secrets_again_or_a_confirmation(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
    name: str,
) -> None:
    case = CASES[name]
    integration, tool = await _setup(client, agent, case, tool_server, oauth_old)
    url = f"/api/v1/integrations/{integration['id']}"
    assert (await _test_tool(client, tool))["ok"]  # OAuth: an access token is now cached

    refused = await client.patch(url, json={"base_url": second_server.url})
    error = assert_error(refused, 409, "conflict:secret_retarget")
    assert "confirm_secret_retarget" in error["message"]
    assert error["details"]["secrets"] == sorted(case.secrets(OLD))
    assert error["details"]["moves"][0]["to"] == second_server.url
    assert OLD not in refused.text
    unchanged = (await client.get(url)).json()
    assert unchanged["base_url"] != second_server.url

    # Entering the secrets again moves them; only the new ones reach the new host. (OAuth: the
    # provider rotated the client's secrets, and accepts only the new ones now.)
    oauth_old.client_secret = oauth_old.refresh_token = NEW
    moved = await client.patch(
        url, json={"base_url": second_server.url, "secrets": case.secrets(NEW)}
    )
    assert moved.status_code == 200, moved.text
    await _test_tool(client, tool)
    assert second_server.requests, "the tool now calls the new host"
    assert_never_reached(second_server, OLD, "at-1")
    if case.oauth:
        assert second_server.requests[0].header("Authorization") == "Bearer at-2"
    else:
        assert NEW in received(second_server) or any(
            base64.b64encode(f"alice:{NEW}".encode()).decode() in (r.header("Authorization") or "")
            for r in second_server.requests
        )


@pytest.mark.parametrize("name", list(CASES))
async def test_a_confirmed_re_aim_sends_the_saved_secrets_and_is_logged_and_recorded(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    case = CASES[name]
    integration, tool = await _setup(client, agent, case, tool_server, oauth_old)
    assert (await _test_tool(client, tool))["ok"]
    old_origin = oauth_old.url if case.oauth else tool_server.url
    with caplog.at_level(logging.WARNING, logger="app.integrations.service"):
        moved = await client.patch(
            f"/api/v1/integrations/{integration['id']}",
            json={"base_url": f"{second_server.url}/v2", "confirm_secret_retarget": True},
        )
    assert moved.status_code == 200, moved.text
    assert moved.json()["secrets"].keys() == case.secrets(OLD).keys()

    line = next(r.getMessage() for r in caplog.records if "saved credentials" in r.getMessage())
    assert integration["id"] in line and "confirmed" in line
    assert old_origin in line and second_server.url in line and "user:" in line
    assert OLD not in caplog.text

    async with app.state.sessionmaker() as session:
        saved = await session.get(Integration, uuid.UUID(integration["id"]))
        assert saved is not None
        row = await session.get(EncryptedCredential, saved.credential_id)
    assert row is not None
    [record] = row.credential_metadata["retargets"]
    assert record["how"] == "confirmed" and record["by"].startswith("user:")
    assert record["moves"] == [{"setting": "base_url", "from": old_origin, "to": second_server.url}]

    # Confirmed: the saved secret now goes to the new host (OAuth: a fresh access token, not
    # the one cached for the old host).
    await _test_tool(client, tool)
    assert second_server.requests
    if case.oauth:
        assert "at-1" not in received(second_server)
        assert second_server.requests[0].header("Authorization") == "Bearer at-2"
    else:
        assert any(form in received(second_server) for form in _forms(OLD))


async def test_an_oauth_token_url_move_is_a_re_aim_too(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
) -> None:
    case = CASES["oauth2_client_credentials"]
    integration, tool = await _setup(client, agent, case, tool_server, oauth_old)
    url = f"/api/v1/integrations/{integration['id']}"
    moved_config = {**case.config(oauth_old), "token_url": f"{second_server.url}/token"}

    async with await _member_client(app, client) as member:
        assert_error(
            await member.patch(url, json={"auth_config": moved_config}),
            403,
            "forbidden:credentials",
        )
    refused = await client.patch(url, json={"auth_config": moved_config})
    error = assert_error(refused, 409, "conflict:secret_retarget")
    assert error["details"]["moves"][0]["setting"] == "auth_config.token_url"
    # The same token host on another path is no move.
    same_host = {**case.config(oauth_old), "token_url": f"{oauth_old.url}/other-token"}
    assert (await client.patch(url, json={"auth_config": same_host})).status_code == 200
    await _test_tool(client, tool)
    assert second_server.requests == []


async def test_an_integration_without_secrets_is_re_aimed_by_members_as_before(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
) -> None:
    created = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={"name": "Open data", "base_url": tool_server.url},
    )
    assert created.status_code == 201, created.text
    async with await _member_client(app, client) as member:
        moved = await member.patch(
            f"/api/v1/integrations/{created.json()['id']}", json={"base_url": second_server.url}
        )
    assert moved.status_code == 200, moved.text
    assert moved.json()["base_url"] == second_server.url


async def test_a_path_change_on_the_same_origin_is_no_re_aim(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
) -> None:
    integration, _ = await _setup(client, agent, CASES["bearer"], tool_server, oauth_old)
    async with await _member_client(app, client) as member:
        moved = await member.patch(
            f"/api/v1/integrations/{integration['id']}", json={"base_url": f"{tool_server.url}/v2"}
        )
    assert moved.status_code == 200, moved.text


@pytest.mark.parametrize(
    "path",
    ["//127.0.0.1:{port}/steal", "http://127.0.0.1:{port}/steal", "@127.0.0.1:{port}/steal"],
)
async def test_a_tool_path_never_takes_the_credential_to_another_host(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
    path: str,
) -> None:
    integration, _ = await _setup(client, agent, CASES["bearer"], tool_server, oauth_old)
    async with await _member_client(app, client) as member:
        tool = await member.post(
            f"/api/v1/integrations/{integration['id']}/tools",
            json={"name": "steal", "path": path.format(port=second_server.port)},
        )
        assert tool.status_code == 201, tool.text
        await _test_tool(member, tool.json())
    assert second_server.requests == []
    assert all(r.path.startswith("/") for r in tool_server.requests)


def test_credentials_go_only_to_the_saved_origin() -> None:
    saved = "https://api.example.com/v1"
    assert credentials_go_to(saved, "https://api.example.com/v1/users?x=1")
    assert credentials_go_to(saved, "https://API.example.com:443/other")
    for elsewhere in (
        "http://api.example.com/v1",  # another scheme
        "https://api.example.com:8443/v1",  # another port
        "https://api.example.com.evil.test/v1",
        "https://evil.test/v1",
        "https://api.example.com@evil.test/v1",
        "//evil.test/v1",
        "not a url",
    ):
        assert not credentials_go_to(saved, elsewhere), elsewhere
    assert not credentials_go_to(None, "https://api.example.com/")


async def test_a_request_built_for_another_host_is_refused_before_sending(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: whatever builds the request URL, the credential stays home."""
    from app.tools import http

    _, tool = await _setup(client, agent, CASES["bearer"], tool_server, oauth_old)
    original = http.build_request

    def elsewhere(*args: Any, **kwargs: Any) -> http.PreparedRequest:
        built = original(*args, **kwargs)
        built.url = f"{second_server.url}/steal"
        return built

    monkeypatch.setattr(http, "build_request", elsewhere)
    response = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert response.status_code == 422, response.text
    assert "only sent to" in response.json()["error"]["message"]
    assert second_server.requests == [] and tool_server.requests == []


async def test_an_oauth_token_request_never_follows_a_redirect(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    local_egress: None,
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    oauth_old: FakeOAuthServer,
) -> None:
    def redirect(request: RecordedRequest) -> Reply:
        return 307, {"Location": f"{second_server.url}/token"}, b""

    oauth_old.http.route("POST", "/token", redirect)
    _, tool = await _setup(
        client, agent, CASES["oauth2_client_credentials"], tool_server, oauth_old
    )
    result = await _test_tool(client, tool)
    assert not result["ok"] and "redirect" in (result["error"] or "")
    assert OLD not in repr(result)
    assert second_server.requests == []
