"""Custom API tools: arguments onto path/query/body, validation, LLM enhancement, the registry."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.llm.errors import ProviderUnavailable
from app.llm.messages import SystemMessage, UserMessage
from app.llm.testing import ScriptedModel, text
from app.tools.builtin import CalculatorTool
from app.tools.http import HttpApiTool, build_request
from app.tools.registry import load_agent_tools
from app.tools.runtime import ToolRuntime
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.tools.conftest import GuardFactory
from tests.tools.helpers import make_tool, runtime_for

SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "verbose": {"type": "boolean"}},
    "required": ["id"],
}


@pytest.fixture
def runtime(app: FastAPI, make_guard: GuardFactory) -> ToolRuntime:
    return runtime_for(app, make_guard(allow=["127.0.0.1"]))


def test_path_parameters_are_encoded_and_the_rest_goes_to_the_query() -> None:
    request = build_request(
        "https://api.example/v1", "GET", "/users/{id}", SCHEMA, {"id": "a/b c", "verbose": True}
    )
    assert request.url == "https://api.example/v1/users/a%2Fb%20c"
    assert request.params == {"verbose": "true"} and not request.has_body


def test_post_sends_remaining_arguments_as_json_body_or_the_body_property() -> None:
    plain = build_request("https://x.example", "POST", "/items", {}, {"name": "n", "qty": 2})
    assert plain.json_body == {"name": "n", "qty": 2} and plain.params == {}
    schema = {"type": "object", "properties": {"body": {"type": "object"}, "dry": {}}}
    split = build_request(
        "https://x.example", "POST", "/items", schema, {"body": {"a": 1}, "dry": False}
    )
    assert split.json_body == {"a": 1} and split.params == {"dry": "false"}


async def test_arguments_are_validated_before_any_request(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool = await make_tool(runtime, tool_server.url, path="/users/{id}", schema=SCHEMA)
    missing = await tool.call({"verbose": True})
    assert missing.is_error and "arguments: 'id' is a required property" in missing.content
    wrong = await tool.call({"id": 5})
    assert wrong.is_error and "id: 5 is not of type 'string'" in wrong.content
    assert tool_server.requests == []


async def test_http_errors_become_error_results_with_the_status(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool_server.route("POST", "/items", lambda r: json_reply(422, {"detail": "qty must be > 0"}))
    tool = await make_tool(runtime, tool_server.url, method="POST", path="/items")
    result = await tool.call({"qty": 0})
    assert result.is_error and result.status_code == 422
    assert "qty must be > 0" in result.content
    assert tool_server.requests[0].json() == {"qty": 0}


async def test_blocked_addresses_become_error_results(
    app: FastAPI, make_guard: GuardFactory
) -> None:
    runtime = runtime_for(app, make_guard())
    tool = await make_tool(runtime, "http://10.0.0.5")
    result = await tool.call({})
    assert result.is_error and result.meta["code"] == "egress_blocked"
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in result.content


async def test_preprocess_rewrites_arguments_and_postprocess_condenses(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    tool_server.route(
        "GET", "/users/42", lambda r: json_reply(200, {"id": 42, "name": "Ada", "noise": "x" * 50})
    )
    model = ScriptedModel(
        [
            [text('```json\n{"id": "42"}\n```')],
            [text("User 42 is Ada.")],
        ]
    )
    tool = await make_tool(
        runtime,
        tool_server.url,
        path="/users/{id}",
        schema=SCHEMA,
        preprocess="Map user names to ids: Ada is 42.",
        postprocess="Summarise in one sentence.",
        get_model=lambda: model,
    )
    result = await tool.call({"id": "Ada"})
    assert not result.is_error and result.content == "User 42 is Ada."
    assert tool_server.requests[0].path == "/users/42"
    pre, post = model.calls
    assert isinstance(pre.messages[0], SystemMessage)
    assert pre.messages[0].content.startswith("Map user names to ids")
    assert isinstance(pre.messages[1], UserMessage)
    assert json.loads(pre.messages[1].content) == {"id": "Ada"}
    assert "HTTP status: 200" in post.messages[1].content and "Ada" in post.messages[1].content
    assert pre.tools == [] and post.tools == []


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ([[text("not json")]], "pre-process answer was not JSON"),
        ([[text("[1, 2]")]], "not a JSON object"),
        ([[ProviderUnavailable("openai", "down")]], "model call failed (provider_unavailable)"),
    ],
)
async def test_enhancement_failures_are_error_results(
    runtime: ToolRuntime, tool_server: FakeToolServer, script: Any, problem: str
) -> None:
    model = ScriptedModel(script)
    tool = await make_tool(
        runtime,
        tool_server.url,
        preprocess="Rewrite.",
        get_model=lambda: model,
    )
    result = await tool.call({})
    assert result.is_error and problem in result.content
    assert tool_server.requests == []


async def test_registry_loads_enabled_tools_of_enabled_integrations(
    app: FastAPI, client: httpx.AsyncClient, make_guard: GuardFactory
) -> None:
    agent = (
        await client.post(
            "/api/v1/agents", json={"name": "a", "provider": "openai", "model": "gpt-4o-mini"}
        )
    ).json()
    base = f"/api/v1/agents/{agent['id']}/integrations"
    api = (await client.post(base, json={"name": "API", "base_url": "https://api.example"})).json()
    for name in ("on", "off"):
        response = await client.post(
            f"/api/v1/integrations/{api['id']}/tools", json={"name": name, "path": f"/{name}"}
        )
        assert response.status_code == 201
        if name == "off":
            await client.patch(f"/api/v1/tools/{response.json()['id']}", json={"enabled": False})
    await client.post(base, json={"kind": "builtin", "builtin": "calculator"})
    disabled = (
        await client.post(base, json={"name": "Disabled", "base_url": "https://b.example"})
    ).json()
    await client.post(f"/api/v1/integrations/{disabled['id']}/tools", json={"name": "hidden"})
    await client.patch(f"/api/v1/integrations/{disabled['id']}", json={"enabled": False})

    runtime = runtime_for(app, make_guard())
    async with app.state.sessionmaker() as session:
        tools = await load_agent_tools(session, uuid.UUID(agent["id"]), runtime)
    by_name = {t.name: t for t in tools}
    assert sorted(by_name) == ["calculator", "on"]
    assert isinstance(by_name["calculator"], CalculatorTool)
    assert isinstance(by_name["on"], HttpApiTool)
    assert by_name["on"].spec().name == "on"
    assert (await by_name["calculator"].call({"expression": "6*7"})).content == "42"


async def test_an_unresolvable_schema_ref_is_an_error_result(
    runtime: ToolRuntime, tool_server: FakeToolServer
) -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "#/definitions/missing"}}}
    tool = await make_tool(runtime, tool_server.url, schema=schema)
    result = await tool.call({"a": 1})
    assert result.is_error and "input_schema cannot be used" in result.content
    assert tool_server.requests == []
