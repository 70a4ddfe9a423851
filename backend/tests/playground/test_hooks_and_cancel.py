"""The per-frame guard hook, and cancelling a run from another socket or another worker."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.config import Settings
from app.llm.testing import Pause, ScriptedModel, text
from app.main import create_app
from tests.conftest import make_settings
from tests.playground.conftest import ModelChoice, open_playground, serve
from tests.runs.helpers import create_agent


async def test_frame_guard_refusals_become_error_frames(
    app: FastAPI,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = await create_agent(app)
    use_model(ScriptedModel([[text("ok")]]))
    seen: list[Any] = []

    async def guard(websocket: Any, principal: Any) -> dict[str, Any] | None:
        seen.append(principal.workspace_id)
        if len(seen) == 1:
            return {
                "type": "error",
                "code": "rate_limited",
                "message": "Too many frames",
                "retryable": True,
            }
        return None

    monkeypatch.setattr(app.state, "ws_frame_guard", guard)
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "refused"})
        refused = await pg.recv()
        assert (refused["code"], refused["retryable"], refused["seq"]) == ("rate_limited", True, 2)
        frames = await pg.turn("accepted")
        assert frames[-1]["type"] == "message_complete"
    assert len(seen) == 2 and seen[0] == agent.workspace_id


async def test_cancel_from_another_socket_stops_the_run(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    use_model(ScriptedModel([[text("working"), pause, text(" never")]]))
    async with open_playground(server_url, agent.id, api_token) as running:
        await running.send({"type": "user_message", "content": "long job"})
        conversation_id = (await running.until("content_delta"))[0]["conversation_id"]
        await pause.reached.wait()
        async with open_playground(server_url, agent.id, api_token) as other:
            await other.send({"type": "cancel", "conversation_id": conversation_id})
            done = await running.recv()
            assert done["type"] == "message_complete" and done["status"] == "interrupted"
            await other.send({"type": "ping"})
            assert (await other.recv())["type"] == "pong"  # no error for the canceller


async def test_cancel_sent_to_another_worker_stops_the_run(
    app: FastAPI,
    settings: Settings,
    tmp_data_dir: Path,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
) -> None:
    if app.state.redis is None:
        pytest.skip("needs Redis (TEST_REDIS_URL)")
    await asyncio.wait_for(app.state.run_registry.subscribed(), 10)
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    use_model(ScriptedModel([[text("working"), pause, text(" never")]]))
    worker_b = create_app(make_settings(settings.resolved_database_url, tmp_data_dir))
    worker_b.state.model_factory = app.state.model_factory
    worker_b.state.tool_factory = app.state.tool_factory
    async with (
        LifespanManager(worker_b),
        serve(worker_b) as url_b,
        open_playground(server_url, agent.id, api_token) as on_a,
    ):
        await on_a.send({"type": "user_message", "content": "long job"})
        conversation_id = (await on_a.until("content_delta"))[0]["conversation_id"]
        await pause.reached.wait()
        async with open_playground(url_b, agent.id, api_token) as on_b:
            # Worker B refuses a second run of the busy conversation...
            await on_b.send(
                {
                    "type": "user_message",
                    "content": "me too",
                    "conversation_id": conversation_id,
                }
            )
            busy = await on_b.recv()
            assert (busy["type"], busy["code"]) == ("error", "run_in_progress")
            # ...and its cancel reaches the run on worker A.
            await on_b.send({"type": "cancel", "conversation_id": conversation_id})
            done = await on_a.recv()
            assert done["type"] == "message_complete" and done["status"] == "interrupted"
