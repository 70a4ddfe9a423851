"""Conversation history over REST: list, messages, delete; scoped to the caller's workspace."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.agents.models import Agent
from app.conversations.models import Message
from app.llm.testing import Pause, ScriptedModel, text
from app.runs.events import ContentDelta, MessageComplete, RunError
from app.runs.runner import run_agent
from app.traces.models import ExecutionTrace
from tests.runs.helpers import create_agent
from tests.runs.test_runner import collect, conversation_of


async def chat(
    app: FastAPI, agent: Agent, content: str, conversation_id: uuid.UUID | None = None
) -> uuid.UUID:
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=ScriptedModel([[text(f"re: {content}")]]),
            tools=[],
            user_text=content,
            conversation_id=conversation_id,
        )
    )
    assert isinstance(events[-1], MessageComplete)
    return conversation_of(events)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_list_is_paginated_most_recent_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    agent = await create_agent(app)
    other = await create_agent(app, name="Other")
    first = await chat(app, agent, "first")
    second = await chat(app, agent, "second")
    third = await chat(app, agent, "third")
    await chat(app, other, "elsewhere")
    await chat(app, agent, "first again", first)  # activity moves it to the top

    page = (await client.get(f"/api/v1/agents/{agent.id}/conversations?limit=2")).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [c["id"] for c in page["items"]] == [str(first), str(third)]
    rest = (await client.get(f"/api/v1/agents/{agent.id}/conversations?limit=2&offset=2")).json()
    assert [c["id"] for c in rest["items"]] == [str(second)]
    item = page["items"][0]
    assert item["title"] == "first" and item["channel"] == "playground"
    assert item["agent_id"] == str(agent.id) and item["metadata"] == {}


async def test_messages_in_order_with_pagination(app: FastAPI, client: httpx.AsyncClient) -> None:
    agent = await create_agent(app)
    conversation_id = await chat(app, agent, "one")
    await chat(app, agent, "two", conversation_id)
    url = f"/api/v1/conversations/{conversation_id}/messages"
    body = (await client.get(url)).json()
    assert body["total"] == 4
    assert [(m["seq"], m["role"], m["content"]) for m in body["items"]] == [
        (1, "user", "one"),
        (2, "assistant", "re: one"),
        (3, "user", "two"),
        (4, "assistant", "re: two"),
    ]
    assert body["items"][1]["metadata"]["usage"] == {"input_tokens": 10, "output_tokens": 5}
    assert body["items"][1]["status"] == "complete"
    page = (await client.get(url, params={"limit": 1, "offset": 2})).json()
    assert [m["content"] for m in page["items"]] == ["two"]
    conversation = (await client.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert conversation["id"] == str(conversation_id) and conversation["title"] == "one"


async def test_delete_removes_messages_and_traces_only_of_that_conversation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    doomed = await chat(app, agent, "forget me")
    kept = await chat(app, agent, "keep me")
    assert (await client.delete(f"/api/v1/conversations/{doomed}")).status_code == 204
    for suffix in ("", "/messages", "/traces"):
        assert_error(
            await client.get(f"/api/v1/conversations/{doomed}{suffix}"),
            404,
            "not_found:conversation",
        )
    assert_error(
        await client.delete(f"/api/v1/conversations/{doomed}"), 404, "not_found:conversation"
    )
    async with app.state.sessionmaker() as session:
        for model in (Message, ExecutionTrace):
            left = await session.scalars(select(model.conversation_id).distinct())
            assert set(left) == {kept}
    listed = (await client.get(f"/api/v1/agents/{agent.id}/conversations")).json()
    assert [c["id"] for c in listed["items"]] == [str(kept)]


async def test_deleting_a_conversation_stops_its_run(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    run = run_agent(
        sessionmaker=app.state.sessionmaker,
        agent=agent,
        model=ScriptedModel([[text("thinking"), pause, text(" more")]]),
        tools=[],
        user_text="long task",
        registry=app.state.run_registry,
    )
    events = []
    async with run:
        async for event in run:
            events.append(event)
            if isinstance(event, ContentDelta):
                await pause.reached.wait()
                response = await client.delete(f"/api/v1/conversations/{conversation_of(events)}")
                assert response.status_code == 204
    assert isinstance(events[-1], MessageComplete | RunError)
    assert not app.state.run_registry.is_running(conversation_of(events))
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_other_workspaces_and_bad_ids(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    conversation_id = await chat(app, agent, "private")
    for path in ("", "/messages", "/traces"):
        assert_error(
            await other_client.get(f"/api/v1/conversations/{conversation_id}{path}"),
            404,
            "not_found:conversation",
        )
    assert_error(
        await other_client.delete(f"/api/v1/conversations/{conversation_id}"),
        404,
        "not_found:conversation",
    )
    assert_error(
        await other_client.get(f"/api/v1/agents/{agent.id}/conversations"), 404, "not_found:agent"
    )
    assert_error(
        await client.get(f"/api/v1/agents/{uuid.uuid4()}/conversations"), 404, "not_found:agent"
    )
    assert_error(await client.get("/api/v1/conversations/nope/messages"), 422, "validation_error")
    assert_error(
        await client.get(f"/api/v1/agents/{agent.id}/conversations?limit=0"),
        422,
        "validation_error",
    )
    # Still there for its owner.
    messages = (await client.get(f"/api/v1/conversations/{conversation_id}/messages")).json()
    assert messages["total"] == 2


async def test_deleting_the_agent_mid_run_ends_the_turn_with_not_found_agent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    run = run_agent(
        sessionmaker=app.state.sessionmaker,
        agent=agent,
        model=ScriptedModel([[text("thinking"), pause, text(" more")]]),
        tools=[],
        user_text="long task",
    )
    events = []
    async with run:
        async for event in run:
            events.append(event)
            if isinstance(event, ContentDelta) and event.delta == "thinking":
                await pause.reached.wait()
                response = await client.delete(f"/api/v1/agents/{agent.id}")
                assert response.status_code == 204, response.text
                pause.event.set()
    assert isinstance(events[-1], RunError) and events[-1].code == "not_found:agent"
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
