"""Input that no route can store or process is a 422 naming the field, and nothing is stored.

NUL characters, lone surrogates, NaN, JSON nested past 64 levels (app.validation.RequestGuard),
pagination offsets past any sane page (app.validation.Offset) and URLs whose host is not a
valid IDNA name (app.validation.HttpUrl): each was a 500 from the database, the stack or the
HTTP client before.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.conversations.models import Conversation
from app.validation import MAX_JSON_DEPTH

AGENT = {"name": "Validator", "provider": "openai", "model": "gpt-4o-mini"}
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
BAD_HOSTS = ["xn--ls8h.la", "a\u200db.example", "xn--zz.example"]


def assert_refused(response: httpx.Response, field: str, *, status: int = 422) -> str:
    """A validation_error whose message starts with the field; returns the message."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error", error
    assert error["message"].startswith(f"{field}: "), error["message"]
    return str(error["message"])


async def post_raw(client: httpx.AsyncClient, url: str, body: str) -> httpx.Response:
    return await client.post(url, content=body, headers={"content-type": "application/json"})


@pytest.fixture
async def agent(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/api/v1/agents", json=AGENT)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def integration(client: httpx.AsyncClient, agent: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={"name": "Weather", "base_url": "https://api.weather.example/v1"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def tool_count(client: httpx.AsyncClient, integration: dict[str, Any]) -> int:
    listed = await client.get(f"/api/v1/integrations/{integration['id']}/tools")
    return int(listed.json()["total"])


# -- NUL and other text no database takes -----------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Bad\x00name"}, "name"),
        ({"system_prompt": "You help.\x00"}, "system_prompt"),
        ({"description": "\x00"}, "description"),
        ({"name": "lone \ud800 surrogate"}, "name"),
    ],
)
async def test_text_no_database_stores_is_refused_on_create_and_update(
    client: httpx.AsyncClient, agent: dict[str, Any], payload: dict[str, Any], field: str
) -> None:
    # json.dumps escapes both as \u0000 / \ud800: what a client sends on the wire.
    created = await post_raw(client, "/api/v1/agents", json.dumps({**AGENT, **payload}))
    message = assert_refused(created, field)
    assert "\x00" not in message
    updated = await client.patch(
        f"/api/v1/agents/{agent['id']}",
        content=json.dumps(payload),
        headers={"content-type": "application/json"},
    )
    assert_refused(updated, field)
    listed = (await client.get("/api/v1/agents")).json()
    assert [a["name"] for a in listed["items"]] == [AGENT["name"]]
    assert (await client.get(f"/api/v1/agents/{agent['id']}")).json() == agent


@pytest.mark.parametrize(
    ("tool", "field"),
    [
        ({"description": "Weather\x00"}, "description"),
        ({"preprocess": "Summarise\x00"}, "preprocess"),
        (
            {"input_schema": {"type": "object", "properties": {"q": {"description": "a\x00"}}}},
            "input_schema.properties.q.description",
        ),
        (
            {"input_schema": {"type": "object", "properties": {"q\x00": {}}}},
            "input_schema.properties.q\\u0000",
        ),
        ({"input_schema": {"type": "object", "properties": {"n": {"maximum": 1e999}}}}, "body"),
    ],
)
async def test_a_tool_with_unstorable_json_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, integration: dict[str, Any], tool: dict[str, Any], field: str
) -> None:
    body = json.dumps({"name": "forecast", "input_schema": SCHEMA, **tool})  # 1e999: Infinity
    response = await post_raw(client, f"/api/v1/integrations/{integration['id']}/tools", body)
    assert_refused(response, field)
    assert await tool_count(client, integration) == 0


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_every_json_media_type_is_checked(
    client: httpx.AsyncClient, agent: dict[str, Any], content_type: str
) -> None:
    response = await client.patch(
        f"/api/v1/agents/{agent['id']}",
        content=json.dumps({"name": "x\x00"}),
        headers={"content-type": content_type},
    )
    assert_refused(response, "name")
    assert (await client.get(f"/api/v1/agents/{agent['id']}")).json() == agent


async def test_nul_in_a_json_column_of_an_integration_is_refused(
    client: httpx.AsyncClient, agent: dict[str, Any], integration: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/api/v1/integrations/{integration['id']}",
        json={"auth_type": "api_key", "auth_config": {"location": "header", "name": "X-Key\x00"}},
    )
    assert_refused(response, "auth_config.name")
    stored = (await client.get(f"/api/v1/integrations/{integration['id']}")).json()
    assert stored == integration


async def test_nul_in_the_query_the_path_or_a_header_is_refused(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    assert_refused(await client.get("/api/v1/agents", params={"q": "Valid\x00"}), "q")
    assert_refused(await client.get("/api/v1/agents?status=draft&q=%00"), "q")
    assert_refused(await client.get(f"/api/v1/agents/{agent['id']}%00"), "path")
    assert_refused(
        await client.get("/api/v1/agents", headers={"X-Request-Id": "a\x00b"}), "x-request-id"
    )
    # A plain search still works.
    found = await client.get("/api/v1/agents", params={"q": "Valid"})
    assert found.status_code == 200 and found.json()["total"] == 1


# -- nesting ----------------------------------------------------------------------------------


def nested_schema(levels: int) -> dict[str, Any]:
    """An object schema whose property is `levels` arrays of arrays deep."""
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "array", "items": node}
    return {"type": "object", "properties": {"q": node}}


async def test_json_nested_past_the_limit_is_refused_before_any_route_runs(
    client: httpx.AsyncClient, integration: dict[str, Any]
) -> None:
    url = f"/api/v1/integrations/{integration['id']}/tools"
    # body(1) > input_schema(2) > properties(3) > q(4) > items...: 60 levels of items is 64.
    at_limit = await client.post(url, json={"name": "deep", "input_schema": nested_schema(60)})
    assert at_limit.status_code == 201, at_limit.text
    over = await client.post(url, json={"name": "deeper", "input_schema": nested_schema(61)})
    message = assert_refused(over, "input_schema.properties.q.items.…")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in message
    assert await tool_count(client, integration) == 1


@pytest.mark.parametrize("body", ["[" * 30_000, '{"a":' * 5_000 + "1" + "}" * 5_000])
async def test_json_nested_thousands_deep_is_a_422_not_a_crash(
    client: httpx.AsyncClient, body: str
) -> None:
    message = assert_refused(await post_raw(client, "/api/v1/agents", body), "body")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in message
    assert (await client.get("/api/v1/agents")).json()["total"] == 0


async def test_nan_is_not_json(client: httpx.AsyncClient) -> None:
    body = json.dumps({**AGENT, "model_config": {"temperature": float("nan")}})
    assert_refused(await post_raw(client, "/api/v1/agents", body), "body")


@pytest.mark.parametrize(
    ("number", "message"),
    [("1e999", "must be a finite number"), (str(2**63), "must fit in a 64-bit integer")],
)
async def test_numbers_no_column_takes_are_refused(
    client: httpx.AsyncClient, integration: dict[str, Any], number: str, message: str
) -> None:
    body = (
        '{"name": "n", "input_schema": {"type": "object", "properties": {"n": {"maximum": '
        + number
        + "}}}}"
    )
    response = await post_raw(client, f"/api/v1/integrations/{integration['id']}/tools", body)
    refused = assert_refused(response, "input_schema.properties.n.maximum")
    assert refused.endswith(message)
    assert await tool_count(client, integration) == 0


# -- integers ---------------------------------------------------------------------------------


async def paginated_urls(
    app: FastAPI, agent: dict[str, Any], integration: dict[str, Any]
) -> list[str]:
    async with app.state.sessionmaker() as session:
        conversation = Conversation(agent_id=uuid.UUID(agent["id"]), title="c")
        session.add(conversation)
        await session.commit()
    return [
        "/api/v1/agents",
        f"/api/v1/agents/{agent['id']}/conversations",
        f"/api/v1/conversations/{conversation.id}/messages",
        f"/api/v1/agents/{agent['id']}/integrations",
        f"/api/v1/integrations/{integration['id']}/tools",
    ]


@pytest.mark.parametrize("offset", [2**63, 2**64 + 1, 2**31, 10**40, -1])
async def test_an_offset_out_of_range_is_a_422_on_every_paginated_list(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    integration: dict[str, Any],
    offset: int,
) -> None:
    for url in await paginated_urls(app, agent, integration):
        response = await client.get(url, params={"offset": offset})
        assert_refused(response, "offset")
        last_page = await client.get(url, params={"offset": 2**31 - 1})
        assert last_page.status_code == 200 and last_page.json()["items"] == [], url


# -- URLs the HTTP client could not connect to ------------------------------------------------


@pytest.mark.parametrize("host", BAD_HOSTS)
async def test_a_url_whose_host_is_not_a_valid_idna_name_is_refused_where_it_enters(
    client: httpx.AsyncClient, agent: dict[str, Any], integration: dict[str, Any], host: str
) -> None:
    url = f"https://{host}/v1"
    agents = f"/api/v1/agents/{agent['id']}"
    integrations = f"/api/v1/agents/{agent['id']}/integrations"

    refused = await client.patch(agents, json={"model_config": {"base_url": url}})
    assert_refused(refused, "model_config.base_url")
    assert "domain name" in refused.json()["error"]["message"]
    assert_refused(
        await client.post(integrations, json={"name": "Bad", "base_url": url}), "base_url"
    )
    assert_refused(
        await client.patch(f"/api/v1/integrations/{integration['id']}", json={"base_url": url}),
        "base_url",
    )
    oauth = {
        "auth_type": "oauth2",
        "auth_config": {"token_url": f"{url}/token", "client_id": "c"},
        "secrets": {"client_secret": "s"},
    }
    token_url = await client.patch(f"/api/v1/integrations/{integration['id']}", json=oauth)
    assert token_url.status_code == 422, token_url.text
    assert "auth_config.token_url" in token_url.json()["error"]["message"]
    assert "domain name" in token_url.json()["error"]["message"]
    assert_refused(
        await client.post(f"{integrations}/import-openapi", json={"url": f"{url}/openapi.json"}),
        "url",
    )
    assert_refused(
        await client.put(
            "/api/v1/workspace/provider-keys/openai",
            json={"api_key": "sk-test-1234567890", "base_url": url},
        ),
        "base_url",
    )
    assert (await client.get(agents)).json() == agent
    assert (await client.get(f"/api/v1/integrations/{integration['id']}")).json() == integration
    assert (await client.get(integrations)).json()["total"] == 1
    keys = (await client.get("/api/v1/workspace/provider-keys")).json()["items"]
    assert not any(k["configured"] for k in keys)
