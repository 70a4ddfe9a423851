"""Bad frames, missing things and provider failures: an `error` frame, and the socket lives on."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from app.llm.base import Model
from app.llm.registry import ModelFactory
from app.llm.testing import ScriptedModel, text, tool_call
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import HttpError, Reply, Text
from tests.llm.conftest import LOCAL
from tests.playground.conftest import ModelChoice, Playground, open_playground
from tests.runs.helpers import FakeTool, create_agent, returns


async def assert_error_then_alive(pg: Playground, code: str) -> dict[str, Any]:
    error = await pg.recv()
    assert error["type"] == "error", error
    assert error["code"] == code, error
    assert error["message"] and error["retryable"] in (True, False)
    await pg.send({"type": "ping"})
    assert (await pg.recv())["type"] == "pong"
    return error


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        (b"\xff\xfe binary", "invalid_json"),
        ({"type": "dance"}, "unknown_type"),
        ({"content": "no type"}, "missing_field"),
        ({"type": "user_message"}, "missing_field"),
        ({"type": "user_message", "content": "   "}, "missing_field"),
        ({"type": "user_message", "content": 42}, "invalid_field"),
        ("[" * 30_000, "invalid_json"),  # nested past 64 levels: once a RecursionError
        ({"type": "ping", "x": json.loads("[" * 65 + "]" * 65)}, "invalid_json"),
        ({"type": "user_message", "content": "a\x00b"}, "invalid_field"),  # PostgreSQL: no NUL
        ({"type": "user_message", "content": "lone \ud800"}, "invalid_field"),
        ({"type": "user_message", "content": "hi", "conversation_id": "nope"}, "invalid_field"),
        (
            {"type": "user_message", "content": "hi", "conversation_id": str(uuid.uuid4())},
            "not_found:conversation",
        ),
        ({"type": "user_message", "content": "x" * (64 * 1024)}, "frame_too_large"),
    ],
)
async def test_bad_frame_gets_an_error_and_the_socket_stays_usable(
    app: FastAPI,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
    frame: Any,
    code: str,
) -> None:
    agent = await create_agent(app)
    use_model(ScriptedModel([[text("still here")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send(frame)
        await assert_error_then_alive(pg, code)
        frames = await pg.turn("hello")
        assert frames[-1]["type"] == "message_complete"


async def test_unknown_agent_gets_an_error_then_a_4404_close(
    app: FastAPI, server_url: str, api_token: str
) -> None:
    for agent_id in (uuid.uuid4(), "not-a-uuid"):
        async with open_playground(server_url, agent_id, api_token, expect_loaded=False) as pg:
            error = await pg.recv()
            assert (error["type"], error["code"]) == ("error", "not_found:agent")
            with pytest.raises(ConnectionClosed) as closed:
                await pg.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


async def test_another_workspaces_agent_and_conversation_are_not_found(
    app: FastAPI,
    server_url: str,
    api_token: str,
    other_api_token: str,
    use_model: ModelChoice,
) -> None:
    agent = await create_agent(app)
    use_model(ScriptedModel([[text("mine")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        conversation_id = (await pg.turn("private"))[0]["conversation_id"]
    async with open_playground(server_url, agent.id, other_api_token, expect_loaded=False) as pg:
        assert (await pg.recv())["code"] == "not_found:agent"
    other_agent = await create_agent(app, name="Theirs")
    async with open_playground(server_url, other_agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "x", "conversation_id": conversation_id})
        await assert_error_then_alive(pg, "not_found:conversation")


async def test_agent_deleted_mid_session(
    app: FastAPI,
    client: httpx.AsyncClient,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
) -> None:
    agent = await create_agent(app)
    use_model(ScriptedModel([[text("one")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        assert (await pg.turn("first"))[-1]["type"] == "message_complete"
        assert (await client.delete(f"/api/v1/agents/{agent.id}")).status_code == 204
        await pg.send({"type": "user_message", "content": "second"})
        await assert_error_then_alive(pg, "not_found:agent")


async def test_auth_is_required_before_anything(app: FastAPI, server_url: str) -> None:
    agent = await create_agent(app)
    async with connect(f"{server_url}/api/v1/playground/{agent.id}") as ws:
        await ws.send(json.dumps({"type": "user_message", "content": "hi"}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_max_turns_reaches_the_client_as_an_error_frame(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app, llm_config={"max_turns": 1})
    use_model(ScriptedModel([[tool_call("lookup")]]), [FakeTool("lookup", returns("x"))])
    async with open_playground(server_url, agent.id, api_token) as pg:
        frames = await pg.turn("loop")
    assert [f["type"] for f in frames] == [
        "conversation_started",
        "tool_use_start",
        "tool_use_complete",
        "error",
    ]
    assert frames[2]["is_error"] is True
    assert frames[-1]["code"] == "max_turns_reached" and "max_turns" in frames[-1]["message"]


# -- provider failures through the real OpenAI SDK against the fake OpenAI server ----------


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def openai_model(settings: Settings, fake: FakeOpenAI) -> Model:
    no_retries = settings.model_copy(update={"llm_max_retries": 0})
    return ModelFactory(no_retries, LOCAL).get_model(
        "openai", "gpt-4o-mini", api_key="sk-test-key-123456", base_url=f"{fake.base_url}/v1"
    )


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (401, "provider_auth_failed", False),
        (429, "provider_rate_limited", True),
        (503, "provider_unavailable", True),
    ],
)
async def test_provider_errors_arrive_as_error_frames(
    app: FastAPI,
    client: httpx.AsyncClient,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
    fake_openai: FakeOpenAI,
    status: int,
    code: str,
    retryable: bool,
) -> None:
    agent = await create_agent(app)
    fake_openai.script = [HttpError(status), Reply([Text("Recovered")])]
    use_model(openai_model(app.state.settings, fake_openai))
    async with open_playground(server_url, agent.id, api_token) as pg:
        frames = await pg.turn("hi")
        error = frames[-1]
        assert (error["type"], error["code"], error["retryable"]) == ("error", code, retryable)
        assert "sk-test-key" not in json.dumps(frames)
        # Retrying on the same socket works once the provider is back.
        again = await pg.turn("hi again", error["conversation_id"])
        assert "".join(f.get("delta", "") for f in again) == "Recovered"
    assert len(fake_openai.requests) == 2
    assert fake_openai.requests[0].headers["authorization"] == "Bearer sk-test-key-123456"


async def test_no_provider_key_is_an_actionable_error(
    app: FastAPI, server_url: str, api_token: str
) -> None:
    # The app's own model factory: no workspace key and no ANTHROPIC_API_KEY in the test env.
    agent = await create_agent(app, provider="anthropic", model="claude-sonnet-4-5")
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "hi"})
        error = await assert_error_then_alive(pg, "provider_auth_failed")
        assert "ANTHROPIC_API_KEY" in error["message"]
