"""The playground socket through a database outage: a retryable `database_unavailable` error
frame, a proper close (1013) when the socket cannot go on, and no answer lost."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.llm.testing import Pause, ScriptedModel, text
from app.playground.router import WS_TRY_AGAIN_LATER
from tests.faults import database_down
from tests.playground.conftest import FRAME_WAIT_S, ModelChoice, open_playground
from tests.runs.helpers import create_agent, messages_of


def assert_retryable_outage(frame: dict[str, object]) -> None:
    assert frame["type"] == "error", frame
    assert (frame["code"], frame["retryable"]) == ("database_unavailable", True)


async def test_a_socket_that_cannot_authenticate_gets_an_error_and_a_close_frame(
    app: FastAPI, server_url: str, api_token: str
) -> None:
    agent = await create_agent(app)
    with database_down(app.state.engine):
        async with connect(f"{server_url}/api/v1/playground/{agent.id}") as ws:
            await ws.send(json.dumps({"type": "auth", "token": api_token}))
            assert_retryable_outage(json.loads(await asyncio.wait_for(ws.recv(), FRAME_WAIT_S)))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), FRAME_WAIT_S)
    # A close frame with "try again later", not a dropped connection (1006).
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == WS_TRY_AGAIN_LATER


async def test_a_message_during_an_outage_gets_a_retryable_error_and_the_socket_stays(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    use_model(ScriptedModel([[text("Back again.")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        with database_down(app.state.engine):
            await pg.send({"type": "user_message", "content": "Hi"})
            assert_retryable_outage(await pg.recv())
            await pg.send({"type": "cancel", "conversation_id": str(uuid.uuid4())})
            assert_retryable_outage(await pg.recv())
            await pg.send({"type": "ping"})
            assert (await pg.recv())["type"] == "pong"
        frames = await pg.turn("Hi")  # the database is back: the same socket works
    assert frames[-1]["type"] == "message_complete"


async def stream_into_outage(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice, failures: int | None
) -> tuple[str, list[dict[str, object]], ScriptedModel]:
    """Send "Hi"; the database goes down after "Hel" streamed, for `failures` statements
    (None: until the turn is over). Then, with the database back, send "And tomorrow?"."""
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("Hel"), pause, text("lo")], [text("Sunny.")]])
    use_model(model)
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "Hi"})
        first = await pg.until("content_delta")
        with database_down(app.state.engine, calls=failures):
            pause.event.set()
            first += await pg.until("message_complete", "error")
        conversation_id = str(first[-1]["conversation_id"])
        second = await pg.turn("And tomorrow?", conversation_id)
    assert second[-1]["type"] == "message_complete", second
    return conversation_id, first, model


async def test_an_answer_streamed_during_a_short_outage_is_stored_once(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    conversation_id, first, _ = await stream_into_outage(
        app, server_url, api_token, use_model, failures=3
    )
    assert first[-1]["type"] == "message_complete" and first[-1]["status"] == "complete"
    stored = await messages_of(app, uuid.UUID(conversation_id))
    assert [(m.role, m.content) for m in stored] == [
        ("user", "Hi"),
        ("assistant", "Hello"),
        ("user", "And tomorrow?"),
        ("assistant", "Sunny."),
    ]


async def test_an_answer_streamed_during_a_long_outage_is_kept_for_the_next_turn(
    app: FastAPI,
    server_url: str,
    api_token: str,
    use_model: ModelChoice,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "db_retry_grace_s", 0.0)
    conversation_id, first, model = await stream_into_outage(
        app, server_url, api_token, use_model, failures=None
    )
    assert [f["delta"] for f in first if f["type"] == "content_delta"] == ["Hel", "lo"]
    assert_retryable_outage(first[-1])
    stored = await messages_of(app, uuid.UUID(conversation_id))
    assert [(m.role, m.content, m.status) for m in stored] == [
        ("user", "Hi", "complete"),
        ("assistant", "Hello", "interrupted"),
        ("user", "And tomorrow?", "complete"),
        ("assistant", "Sunny.", "complete"),
    ]
    assert [m.role for m in model.calls[1].messages][-3:] == ["user", "assistant", "user"]
