"""A real uvicorn server on 127.0.0.1 serving the test app, a WebSocket client for it, a
fixture to choose the model and tools the playground's runs get, and helpers for end-to-end
turns (an app of its own pointed at a fake vendor server, an agent with HTTP tools over REST)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from app.config import Settings
from app.llm.base import Model
from app.main import create_app
from app.tools.base import Tool
from tests.conftest import OWNER_A, make_client, make_settings

# A hang guard, not a timing assertion: a frame that never comes fails the test here.
FRAME_WAIT_S = 10


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve an already started app with uvicorn on 127.0.0.1; yields its ws:// base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@pytest.fixture(scope="session")
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


class Playground:
    """One playground socket, authenticated, with `agent_loaded` already read."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def recv(self) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), FRAME_WAIT_S))
        self.frames.append(frame)
        return frame

    async def until(self, *types: str) -> list[dict[str, Any]]:
        """Frames up to and including the first of one of `types`."""
        got = []
        while True:
            frame = await self.recv()
            got.append(frame)
            if frame["type"] in types:
                return got

    async def turn(self, content: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
        await self.send(
            {"type": "user_message", "content": content, "conversation_id": conversation_id}
        )
        return await self.until("message_complete", "error")


@contextlib.asynccontextmanager
async def open_playground(
    server_url: str, agent_id: Any, token: str, *, expect_loaded: bool = True
) -> AsyncIterator[Playground]:
    async with connect(f"{server_url}/api/v1/playground/{agent_id}") as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        playground = Playground(ws)
        if expect_loaded:
            loaded = await playground.recv()
            assert loaded["type"] == "agent_loaded", loaded
        yield playground


ModelChoice = Callable[[Model, list[Tool] | None], None]


@pytest.fixture
def use_model(app: FastAPI) -> Iterator[ModelChoice]:
    """use_model(model, tools): the playground's next runs use these (restored afterwards)."""
    saved = (app.state.model_factory, app.state.tool_factory)

    def choose(model: Model, tools: list[Tool] | None = None) -> None:
        async def model_factory(agent: Any, session: Any, principal: Any) -> Model:
            return model

        async def tool_factory(agent: Any, session: Any, principal: Any) -> list[Tool]:
            return list(tools or [])

        app.state.model_factory = model_factory
        app.state.tool_factory = tool_factory

    yield choose
    app.state.model_factory, app.state.tool_factory = saved


# -- end-to-end turns ----------------------------------------------------------------------------


def live_app(settings: Settings, data_dir: Path, **values: object) -> FastAPI:
    """An app of its own on the suite's database: its tools may call 127.0.0.1 and a model call
    is not retried. `values` point it at a fake vendor server (base URL and key)."""
    return create_app(
        make_settings(
            settings.resolved_database_url,
            data_dir,
            tool_allowed_private_hosts="127.0.0.1",
            llm_max_retries=0,
            **values,
        )
    )


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """Start `app` and serve it on 127.0.0.1: its ws:// base URL and a REST client as owner A."""
    async with (
        LifespanManager(app),
        serve(app) as url,
        make_client(app, OWNER_A.api_key) as rest,
    ):
        yield url, rest


async def recorded_turn(
    url: str, rest: httpx.AsyncClient, agent_id: Any, content: str
) -> tuple[list[dict[str, Any]], Any, Any]:
    """One playground turn as owner A: its frames, then the conversation's stored messages and
    traces as the API returns them (each read must answer 200)."""
    async with open_playground(url, agent_id, OWNER_A.api_key) as pg:
        frames = await pg.turn(content)
    conversation_id = frames[0]["conversation_id"]
    messages = await rest.get(f"/api/v1/conversations/{conversation_id}/messages")
    assert messages.status_code == 200, messages.text
    traces = await rest.get(f"/api/v1/conversations/{conversation_id}/traces")
    assert traces.status_code == 200, traces.text
    return frames, messages.json(), traces.json()


async def add_integration(
    rest: httpx.AsyncClient, agent_id: Any, integration: dict[str, Any], *tools: dict[str, Any]
) -> list[dict[str, Any]]:
    """Create an integration of the agent and its tools over REST (each must be created)."""
    created = await rest.post(f"/api/v1/agents/{agent_id}/integrations", json=integration)
    assert created.status_code == 201, created.text
    made = []
    for body in tools:
        tool = await rest.post(f"/api/v1/integrations/{created.json()['id']}/tools", json=body)
        assert tool.status_code == 201, tool.text
        made.append(tool.json())
    return made


async def agent_with_tools(
    rest: httpx.AsyncClient,
    agent: dict[str, Any],
    integration: dict[str, Any],
    *tools: dict[str, Any],
) -> dict[str, Any]:
    """Create an agent, then one integration of it with `tools`: the agent as the API returns it."""
    created: dict[str, Any] = (await rest.post("/api/v1/agents", json=agent)).json()
    await add_integration(rest, created["id"], integration, *tools)
    return created
