"""The agent REST API as a script or the dashboard uses it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.conversations.models import Conversation, Message
from app.integrations.models import Integration, Tool

AGENT = {
    "name": "Support bot",
    "description": "Answers billing questions",
    "system_prompt": "You are helpful.",
    "provider": "anthropic",
    "model": "claude-sonnet-4-5",
    "model_config": {"temperature": 0.3, "max_tokens": 1024, "top_p": 0.9},
}


async def create(client: httpx.AsyncClient, **overrides: object) -> dict:
    response = await client.post("/api/v1/agents", json={**AGENT, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


async def test_create_returns_the_agent_with_model_config_alias(client: httpx.AsyncClient) -> None:
    agent = await create(client)
    assert agent["name"] == "Support bot"
    assert agent["model_config"] == {
        "temperature": 0.3,
        "max_tokens": 1024,
        "top_p": 0.9,
        "max_turns": None,
        "base_url": None,
    }
    assert "llm_config" not in agent
    assert agent["status"] == "draft"
    uuid.UUID(agent["id"])
    assert agent["created_at"].endswith(("Z", "+00:00"))

    fetched = (await client.get(f"/api/v1/agents/{agent['id']}")).json()
    assert fetched == agent


async def test_name_is_trimmed_and_defaults_apply(client: httpx.AsyncClient) -> None:
    agent = await create(client, name="  Trim me  ", model_config={})
    assert agent["name"] == "Trim me"
    assert agent["model_config"]["temperature"] is None


async def test_list_paginates_filters_and_searches(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await create(client, name=f"Alpha {i}", status="active" if i % 2 else "draft")
    await create(client, name="Beta 100%", status="inactive")

    page = (await client.get("/api/v1/agents", params={"limit": 2, "offset": 0})).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert page["items"][0]["name"] == "Beta 100%"  # newest first
    rest = (await client.get("/api/v1/agents", params={"limit": 10, "offset": 2})).json()
    ids = [a["id"] for a in page["items"]] + [a["id"] for a in rest["items"]]
    assert len(set(ids)) == 6

    active = (await client.get("/api/v1/agents", params={"status": "active"})).json()
    assert active["total"] == 2
    assert all(a["status"] == "active" for a in active["items"])

    found = (await client.get("/api/v1/agents", params={"q": "alpha 3"})).json()
    assert [a["name"] for a in found["items"]] == ["Alpha 3"]
    # LIKE wildcards in the search are literal characters.
    assert (await client.get("/api/v1/agents", params={"q": "%"})).json()["total"] == 1
    assert (await client.get("/api/v1/agents", params={"q": "_"})).json()["total"] == 0


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient) -> None:
    agent = await create(client)
    response = await client.patch(
        f"/api/v1/agents/{agent['id']}",
        json={"status": "active", "model_config": {"temperature": 1.5}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["status"] == "active"
    assert updated["name"] == agent["name"]
    assert updated["model_config"]["temperature"] == 1.5
    assert updated["model_config"]["max_tokens"] == 1024  # untouched key kept
    assert updated["updated_at"] >= agent["updated_at"]

    cleared = await client.patch(
        f"/api/v1/agents/{agent['id']}", json={"model_config": {"top_p": None}}
    )
    assert cleared.json()["model_config"]["top_p"] is None


async def test_patch_refuses_null_for_required_fields(client: httpx.AsyncClient) -> None:
    agent = await create(client)
    response = await client.patch(f"/api/v1/agents/{agent['id']}", json={"name": None})
    assert_error(response, 422, "validation_error")
    assert (await client.get(f"/api/v1/agents/{agent['id']}")).json()["name"] == "Support bot"


async def test_delete_removes_agent_and_everything_it_owns(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    agent = await create(client)
    other = await create(client, name="Keeper")
    agent_id = uuid.UUID(agent["id"])
    async with app.state.sessionmaker() as session:
        for owner in (agent_id, uuid.UUID(other["id"])):
            conversation = Conversation(agent_id=owner)
            integration = Integration(agent_id=owner, name="api", base_url="https://x.test")
            session.add_all([conversation, integration])
            await session.flush()
            session.add(Message(conversation_id=conversation.id, seq=1, role="user", content="hi"))
            session.add(Tool(integration_id=integration.id, agent_id=owner, name="get_x"))
        await session.commit()

    assert (await client.delete(f"/api/v1/agents/{agent['id']}")).status_code == 204
    assert_error(await client.get(f"/api/v1/agents/{agent['id']}"), 404, "not_found:agent")
    assert_error(await client.delete(f"/api/v1/agents/{agent['id']}"), 404, "not_found:agent")

    async with app.state.sessionmaker() as session:
        for model in (Conversation, Message, Integration, Tool):
            count = await session.scalar(select(func.count()).select_from(model))
            assert count == 1, model.__tablename__  # only the other agent's row is left


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"provider": "cohere"}, "provider"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"model_config": {"temperature": 2.5}}, "model_config.temperature"),
        ({"model_config": {"temperature": -0.1}}, "model_config.temperature"),
        ({"model_config": {"max_tokens": 0}}, "model_config.max_tokens"),
        ({"model_config": {"seed": 1}}, "model_config.seed"),
        ({"status": "archived"}, "status"),
        ({"colour": "blue"}, "colour"),
        ({"model": ""}, "model"),
    ],
)
async def test_bad_input_gets_one_error_format(
    client: httpx.AsyncClient, payload: dict, field: str
) -> None:
    error = assert_error(
        await client.post("/api/v1/agents", json={**AGENT, **payload}), 422, "validation_error"
    )
    assert error["message"].startswith(field)
    assert error["details"]["errors"][0]["loc"][-1] == field.split(".")[-1]
    assert (await client.get("/api/v1/agents")).json()["total"] == 0


async def test_error_details_never_echo_input(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/agents", json={**AGENT, "api_key": "sk-canary-should-not-echo"}
    )
    assert_error(response, 422, "validation_error")
    assert "sk-canary" not in response.text


async def test_path_and_query_errors(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/api/v1/agents/not-a-uuid"), 422, "validation_error")
    assert "agent_id" in error["message"] and "UUID" in error["message"]
    assert_error(await client.get(f"/api/v1/agents/{uuid.uuid4()}"), 404, "not_found:agent")
    assert_error(
        await client.patch(f"/api/v1/agents/{uuid.uuid4()}", json={"name": "x"}),
        404,
        "not_found:agent",
    )
    assert_error(await client.get("/api/v1/agents?limit=0"), 422, "validation_error")
    assert_error(await client.get("/api/v1/agents?limit=101"), 422, "validation_error")
    assert_error(await client.get("/api/v1/agents?offset=-1"), 422, "validation_error")
    assert_error(await client.get("/api/v1/agents?status=gone"), 422, "validation_error")


async def test_malformed_bodies(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/agents", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "validation_error")
    assert_error(await client.post("/api/v1/agents", json=[1, 2]), 422, "validation_error")
    too_big = {**AGENT, "system_prompt": "x" * (3 * 1024 * 1024)}
    assert_error(await client.post("/api/v1/agents", json=too_big), 413, "payload_too_large")
