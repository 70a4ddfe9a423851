"""The integrations and tools REST API as the dashboard uses it."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.credentials.models import EncryptedCredential
from app.integrations.models import Integration, Tool
from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest, Reply, json_reply
from tests.integrations.conftest import assert_error

CANARY = "canary-SECRET-7c1e5b2a9d"
WEATHER = {
    "name": "Weather",
    "base_url": "https://api.weather.example/v1/",
    "auth_type": "api_key",
    "auth_config": {"location": "header", "name": "X-Api-Key"},
    "secrets": {"api_key": CANARY},
}
TOOL = {
    "name": "get_forecast",
    "description": "Forecast for a city",
    "method": "GET",
    "path": "/forecast/{city}",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
    "timeout_s": 5,
}


async def create_integration(
    client: httpx.AsyncClient, agent: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations", json={**WEATHER, **overrides}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_tool(
    client: httpx.AsyncClient, integration: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/integrations/{integration['id']}/tools", json={**TOOL, **overrides}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_secret_is_stored_once_and_only_ever_shown_masked(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    created = await create_integration(client, agent)
    assert created["secrets"] == {"api_key": "…" + CANARY[-4:]}
    assert created["missing_secrets"] == []
    assert created["base_url"] == "https://api.weather.example/v1"
    assert created["auth_config"] == {"location": "header", "name": "X-Api-Key"}
    fetched = await client.get(f"/api/v1/integrations/{created['id']}")
    listed = await client.get(f"/api/v1/agents/{agent['id']}/integrations")
    for response in (fetched, listed):
        assert response.status_code == 200
        assert CANARY not in response.text
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["id"] == created["id"]
    async with app.state.sessionmaker() as session:
        row = await session.scalar(select(EncryptedCredential))
        assert row is not None and CANARY.encode() not in row.ciphertext


async def test_secrets_patch_merges_replaces_and_removes(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    created = await create_integration(client, agent)
    url = f"/api/v1/integrations/{created['id']}"
    renamed = (await client.patch(url, json={"name": "Weather 2"})).json()
    assert renamed["name"] == "Weather 2" and renamed["secrets"] == created["secrets"]

    replaced = (await client.patch(url, json={"secrets": {"api_key": "new-key-value-0000"}})).json()
    assert replaced["secrets"] == {"api_key": "…0000"}

    removed = (await client.patch(url, json={"secrets": {"api_key": None}})).json()
    assert removed["secrets"] == {} and removed["missing_secrets"] == ["api_key"]

    bearer = await client.patch(
        url, json={"auth_type": "bearer", "secrets": {"token": "tok-abcdefgh-1234"}}
    )
    assert bearer.status_code == 200
    assert bearer.json()["auth_config"] == {} and bearer.json()["secrets"] == {"token": "…1234"}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"auth_config": {"location": "cookie"}}, "auth_config.location"),
        ({"auth_config": {"bogus": 1}}, "auth_config.bogus: unknown field"),
        ({"secrets": {"password": CANARY}}, "secrets.password: not used by auth_type api_key"),
        (
            {"auth_type": "oauth2", "auth_config": {"token_url": "ftp://x"}, "secrets": {}},
            "token_url",
        ),
        ({"base_url": "not a url"}, "base_url"),
        ({"base_url": None}, "base_url"),
        ({"kind": "builtin"}, "builtin"),
    ],
)
async def test_invalid_integrations_are_refused_with_the_problem_named(
    client: httpx.AsyncClient, agent: dict[str, Any], payload: dict[str, Any], fragment: str
) -> None:
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations", json={**WEATHER, **payload}
    )
    error = assert_error(response, 422, "validation_error")
    assert fragment in error["message"]
    assert CANARY not in response.text


async def test_tools_crud_names_and_schemas(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    tool = await create_tool(client, integration)
    assert tool["agent_id"] == agent["id"] and tool["input_schema"]["required"] == ["city"]
    assert (await client.get(f"/api/v1/tools/{tool['id']}")).json() == tool

    # Unique per agent, across the agent's integrations.
    other = await create_integration(client, agent, name="Other")
    duplicate = await client.post(f"/api/v1/integrations/{other['id']}/tools", json=TOOL)
    assert_error(duplicate, 409, "conflict:tool_name")

    patched = await client.patch(
        f"/api/v1/tools/{tool['id']}", json={"description": "new", "postprocess": "Be brief."}
    )
    assert patched.json()["description"] == "new" and patched.json()["postprocess"] == "Be brief."
    second = await create_tool(client, integration, name="second")
    rename = await client.patch(f"/api/v1/tools/{second['id']}", json={"name": "get_forecast"})
    assert_error(rename, 409, "conflict:tool_name")

    page = (await client.get(f"/api/v1/integrations/{integration['id']}/tools?limit=1")).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["limit"] == 1

    assert (await client.delete(f"/api/v1/tools/{tool['id']}")).status_code == 204
    assert_error(await client.get(f"/api/v1/tools/{tool['id']}"), 404, "not_found:tool")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"name": "has space"}, "name"),
        ({"name": "1starts_with_digit"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"input_schema": {"type": "nonsense"}}, "not a valid JSON Schema"),
        ({"input_schema": {"type": "object", "required": "city"}}, "at required"),
        ({"input_schema": {"type": "array"}}, "must describe an object"),
        ({"method": "TRACE"}, "method"),
        ({"timeout_s": 0}, "timeout_s"),
    ],
)
async def test_invalid_tools_are_refused(
    client: httpx.AsyncClient, agent: dict[str, Any], payload: dict[str, Any], fragment: str
) -> None:
    integration = await create_integration(client, agent)
    response = await client.post(
        f"/api/v1/integrations/{integration['id']}/tools", json={**TOOL, **payload}
    )
    assert fragment in assert_error(response, 422, "validation_error")["message"]


async def test_builtin_tools_attach_run_and_keep_their_shape(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    url = f"/api/v1/agents/{agent['id']}/integrations"
    calculator = await client.post(url, json={"kind": "builtin", "builtin": "calculator"})
    assert calculator.status_code == 201, calculator.text
    body = calculator.json()
    assert body["kind"] == "builtin" and body["builtin"] == "calculator" and body["tool_count"] == 1
    tools = (await client.get(f"/api/v1/integrations/{body['id']}/tools")).json()["items"]
    assert [t["name"] for t in tools] == ["calculator"]

    result = await client.post(
        f"/api/v1/tools/{tools[0]['id']}/test", json={"arguments": {"expression": "2 + 3 * 4"}}
    )
    assert result.status_code == 200 and result.json()["ok"] and result.json()["content"] == "14"
    bad = await client.post(
        f"/api/v1/tools/{tools[0]['id']}/test", json={"arguments": {"expression": "__import__"}}
    )
    assert bad.json()["ok"] is False and "Cannot calculate" in bad.json()["error"]

    assert_error(
        await client.post(url, json={"kind": "builtin", "builtin": "calculator"}),
        409,
        "conflict:tool_name",
    )
    assert_error(
        await client.post(f"/api/v1/integrations/{body['id']}/tools", json=TOOL),
        422,
        "validation_error",
    )
    assert_error(
        await client.patch(f"/api/v1/tools/{tools[0]['id']}", json={"path": "/x"}),
        422,
        "validation_error",
    )
    time = await client.post(url, json={"kind": "builtin", "builtin": "current_time"})
    assert time.status_code == 201


async def test_deleting_an_integration_removes_its_tools_and_its_secret(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    await create_tool(client, integration)
    response = await client.delete(f"/api/v1/integrations/{integration['id']}")
    assert response.status_code == 204
    assert_error(
        await client.get(f"/api/v1/integrations/{integration['id']}"), 404, "not_found:integration"
    )
    async with app.state.sessionmaker() as session:
        for model in (Integration, Tool, EncryptedCredential):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_another_workspace_sees_404_everywhere(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    tool = await create_tool(client, integration)
    iid, tid, aid = integration["id"], tool["id"], agent["id"]
    checks = [
        ("GET", f"/api/v1/integrations/{iid}", None, "not_found:integration"),
        ("PATCH", f"/api/v1/integrations/{iid}", {"name": "x"}, "not_found:integration"),
        ("DELETE", f"/api/v1/integrations/{iid}", None, "not_found:integration"),
        ("GET", f"/api/v1/integrations/{iid}/tools", None, "not_found:integration"),
        ("POST", f"/api/v1/integrations/{iid}/tools", TOOL, "not_found:integration"),
        ("GET", f"/api/v1/tools/{tid}", None, "not_found:tool"),
        ("PATCH", f"/api/v1/tools/{tid}", {"name": "y"}, "not_found:tool"),
        ("DELETE", f"/api/v1/tools/{tid}", None, "not_found:tool"),
        ("POST", f"/api/v1/tools/{tid}/test", {"arguments": {}}, "not_found:tool"),
        ("GET", f"/api/v1/agents/{aid}/integrations", None, "not_found:agent"),
        ("POST", f"/api/v1/agents/{aid}/integrations", WEATHER, "not_found:agent"),
    ]
    for method, url, body, code in checks:
        response = await other_client.request(method, url, json=body)
        assert_error(response, 404, code)
        assert CANARY not in response.text
    # Nothing changed for the owner.
    assert (await client.get(f"/api/v1/tools/{tid}")).json()["name"] == TOOL["name"]


def echo_protected(request: RecordedRequest) -> Reply:
    if request.header("X-Api-Key") != CANARY:
        return json_reply(401, {"error": "bad key"})
    return json_reply(200, {"city": request.path.rsplit("/", 1)[-1], "echo": request.echo()})


async def test_testing_a_tool_shows_status_headers_body_and_latency(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    local_egress: None,
) -> None:
    tool_server.route("GET", "/forecast/Paris", echo_protected)
    integration = await create_integration(client, agent, base_url=tool_server.url)
    tool = await create_tool(client, integration)
    response = await client.post(
        f"/api/v1/tools/{tool['id']}/test", json={"arguments": {"city": "Paris", "days": 2}}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] and result["status_code"] == 200 and result["error"] is None
    assert result["headers"]["content-type"] == "application/json"
    assert '"city": "Paris"' in result["body"] and result["latency_ms"] > 0
    assert CANARY not in response.text and "[REDACTED]" in result["body"]
    assert tool_server.requests[0].query == {"days": ["2"]}

    missing = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert "city" in assert_error(missing, 422, "invalid_arguments")["message"]


async def test_testing_a_tool_with_a_blocked_address_names_the_setting(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent, base_url="http://169.254.169.254")
    tool = await create_tool(client, integration)
    response = await client.post(
        f"/api/v1/tools/{tool['id']}/test", json={"arguments": {"city": "x"}}
    )
    error = assert_error(response, 400, "egress_blocked")
    assert "169.254.169.254" in error["message"]
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]


async def test_canary_secret_never_appears_in_any_response_or_log(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    local_egress: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tool_server.route("GET", "/forecast/Oslo", echo_protected)
    tool_server.route(
        "GET", "/forecast/Fail", lambda r: json_reply(500, {"leak": r.header("X-Api-Key")})
    )
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    aid = agent["id"]
    created = await client.post(
        f"/api/v1/agents/{aid}/integrations", json={**WEATHER, "base_url": tool_server.url}
    )
    responses.append(created)
    iid = created.json()["id"]
    responses.append(await client.get(f"/api/v1/integrations/{iid}"))
    responses.append(await client.get(f"/api/v1/agents/{aid}/integrations"))
    responses.append(await client.patch(f"/api/v1/integrations/{iid}", json={"enabled": True}))
    responses.append(
        await client.patch(f"/api/v1/integrations/{iid}", json={"secrets": {"api_key": CANARY}})
    )
    # A secret pasted into a wrong field is refused without being echoed.
    responses.append(
        await client.patch(f"/api/v1/integrations/{iid}", json={"secrets": {"token": CANARY}})
    )
    responses.append(
        await client.patch(f"/api/v1/integrations/{iid}", json={"name": {"x": CANARY}})
    )
    tool = await client.post(f"/api/v1/integrations/{iid}/tools", json=TOOL)
    responses.append(tool)
    tid = tool.json()["id"]
    responses.append(await client.get(f"/api/v1/integrations/{iid}/tools"))
    for city in ("Oslo", "Fail"):
        responses.append(
            await client.post(f"/api/v1/tools/{tid}/test", json={"arguments": {"city": city}})
        )
    assert responses[-1].json()["ok"] is False and "[REDACTED]" in responses[-1].json()["body"]
    for response in responses:
        assert response.status_code < 500
        assert CANARY not in response.text, response.request.url
    assert CANARY not in caplog.text


async def test_tool_schemas_may_not_reference_remote_documents(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    schema = {"type": "object", "properties": {"a": {"$ref": "http://10.0.0.1/schema.json"}}}
    response = await client.post(
        f"/api/v1/integrations/{integration['id']}/tools", json={**TOOL, "input_schema": schema}
    )
    assert "only local $refs" in assert_error(response, 422, "validation_error")["message"]


async def test_testing_a_tool_whose_server_is_down_is_a_client_error(
    client: httpx.AsyncClient, agent: dict[str, Any], local_egress: None
) -> None:
    import socket

    # A loopback port with nothing listening (allowed by local_egress): the connect fails.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    integration = await create_integration(client, agent, base_url=f"http://127.0.0.1:{port}")
    tool = await create_tool(client, integration)
    response = await client.post(
        f"/api/v1/tools/{tool['id']}/test", json={"arguments": {"city": "x"}}
    )
    error = assert_error(response, 422, "egress_connect_failed")
    assert error["message"].startswith("Could not reach 127.0.0.1")
