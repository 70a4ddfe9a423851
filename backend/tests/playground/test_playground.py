"""The playground WebSocket through a real uvicorn server and the `websockets` client."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from app.llm.testing import Pause, ScriptedModel, text, tool_call
from app.tools.base import ToolResult
from tests.playground.conftest import ModelChoice, open_playground
from tests.runs.helpers import FakeTool, create_agent


def payloads(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Frames without the envelope fields, to compare content."""
    return [{k: v for k, v in f.items() if k not in ("seq", "conversation_id")} for f in frames]


async def test_multi_turn_conversation_with_parallel_tools(
    app: FastAPI, client: httpx.AsyncClient, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    both_started = asyncio.Event()
    started: set[str] = set()

    def city_tool(name: str, reply: str) -> FakeTool:
        async def handler(arguments: dict[str, Any]) -> ToolResult:
            started.add(name)
            if len(started) == 2:
                both_started.set()
            await both_started.wait()  # only returns if both calls run at the same time
            return ToolResult(content=reply, data={"city": arguments["city"], "sky": reply})

        return FakeTool(name, handler)

    model = ScriptedModel(
        [
            [
                text("Let me "),
                text("check."),
                tool_call("paris_weather", {"city": "Paris"}, id="p"),
                tool_call("oslo_weather", {"city": "Oslo"}, id="o"),
            ],
            [text("Paris is sunny, "), text("Oslo is rainy.")],
            [text("You're welcome!")],
        ],
        usage=(100, 20),
    )
    use_model(model, [city_tool("paris_weather", "sunny"), city_tool("oslo_weather", "rainy")])

    async with open_playground(server_url, agent.id, api_token) as pg:
        first = await pg.turn("Weather in Paris and Oslo?")
        conversation_id = first[0]["conversation_id"]
        content = payloads(first)
        assert first[0]["type"] == "conversation_started"
        assert content[0] == {"type": "conversation_started", "created": True}
        uuid.UUID(conversation_id)
        assert content[1:5] == [
            {"type": "content_delta", "delta": "Let me "},
            {"type": "content_delta", "delta": "check."},
            {
                "type": "tool_use_start",
                "tool_call_id": "p",
                "tool_name": "paris_weather",
                "input": {"city": "Paris"},
            },
            {
                "type": "tool_use_start",
                "tool_call_id": "o",
                "tool_name": "oslo_weather",
                "input": {"city": "Oslo"},
            },
        ]
        completes = {f["tool_call_id"]: f for f in content[5:7]}
        assert {k: (f["type"], f["result"], f["is_error"]) for k, f in completes.items()} == {
            "p": ("tool_use_complete", {"city": "Paris", "sky": "sunny"}, False),
            "o": ("tool_use_complete", {"city": "Oslo", "sky": "rainy"}, False),
        }
        assert all(f["latency_ms"] >= 0 for f in completes.values())
        assert content[7:9] == [
            {"type": "content_delta", "delta": "Paris is sunny, "},
            {"type": "content_delta", "delta": "Oslo is rainy."},
        ]
        done = content[9]
        assert done["type"] == "message_complete" and done["status"] == "complete"
        assert done["usage"] == {"input_tokens": 200, "output_tokens": 40}
        assert done["latency_ms"] >= done["ttft_ms"] >= 0
        assert "cost_usd" in done

        second = await pg.turn("Thanks", conversation_id)
        assert [f["type"] for f in second] == ["content_delta", "message_complete"]

    # Envelope: seq increases over the whole connection; conversation_id on every frame of it.
    seqs = [f["seq"] for f in pg.frames]
    assert seqs == list(range(1, len(pg.frames) + 1))
    assert pg.frames[0]["type"] == "agent_loaded" and "conversation_id" not in pg.frames[0]
    assert all(f["conversation_id"] == conversation_id for f in pg.frames[1:])

    # The same conversation over REST.
    listed = (await client.get(f"/api/v1/agents/{agent.id}/conversations")).json()
    assert [c["id"] for c in listed["items"]] == [conversation_id]
    assert listed["items"][0]["title"] == "Weather in Paris and Oslo?"
    messages = (await client.get(f"/api/v1/conversations/{conversation_id}/messages")).json()
    assert [(m["role"], m["content"]) for m in messages["items"]] == [
        ("user", "Weather in Paris and Oslo?"),
        ("assistant", "Let me check."),
        ("tool", messages["items"][2]["content"]),
        ("tool", messages["items"][3]["content"]),
        ("assistant", "Paris is sunny, Oslo is rainy."),
        ("user", "Thanks"),
        ("assistant", "You're welcome!"),
    ]
    assert messages["items"][4]["id"] == done["message_id"]
    traces = (await client.get(f"/api/v1/conversations/{conversation_id}/traces")).json()
    runs = traces["items"]  # newest first
    assert [r["kind"] for r in runs] == ["run", "run"] and traces["total"] == 2
    assert sorted(c["kind"] for c in runs[1]["children"]) == [
        "llm_call",
        "llm_call",
        "tool_call",
        "tool_call",
    ]
    assert [c["kind"] for c in runs[0]["children"]] == ["llm_call"]


async def test_every_chunk_is_its_own_frame_in_order(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    chunks = ["a", "b", " ", "c", "dé", "😀", "\n"]
    use_model(ScriptedModel([[text(c) for c in chunks]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        frames = await pg.turn("Spell it")
    assert [f["delta"] for f in frames if f["type"] == "content_delta"] == chunks


async def test_cancel_mid_stream_then_keep_talking(
    app: FastAPI, client: httpx.AsyncClient, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    use_model(ScriptedModel([[text("Once upon "), pause, text("a time")], [text("Hi!")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "Tell a story"})
        await pg.until("content_delta")
        await pause.reached.wait()
        await pg.send({"type": "ping"})
        assert (await pg.recv())["type"] == "pong"  # the socket reads frames mid-run
        await pg.send({"type": "cancel"})
        done = await pg.recv()
        assert done["type"] == "message_complete" and done["status"] == "interrupted"
        conversation_id = done["conversation_id"]
        again = await pg.turn("Hello?", conversation_id)
        assert again[-1]["type"] == "message_complete" and again[-1]["status"] == "complete"

    messages = (await client.get(f"/api/v1/conversations/{conversation_id}/messages")).json()
    assert [(m["role"], m["content"], m["status"]) for m in messages["items"]] == [
        ("user", "Tell a story", "complete"),
        ("assistant", "Once upon ", "interrupted"),
        ("user", "Hello?", "complete"),
        ("assistant", "Hi!", "complete"),
    ]


async def wait_for_status(
    client: httpx.AsyncClient, conversation_id: str, status: str
) -> list[dict[str, Any]]:
    """The dropped socket's run is stored by the server on its own time: poll, boundedly."""
    for _ in range(500):
        items = (await client.get(f"/api/v1/conversations/{conversation_id}/messages")).json()
        items = items["items"]
        if items and items[-1]["status"] == status:
            return items
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {status} message stored")


async def test_disconnect_mid_stream_then_reconnect_and_continue(
    app: FastAPI, client: httpx.AsyncClient, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("Partial "), text("answer"), pause, text(" lost")], [text("Ok")]])
    use_model(model)
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "Question"})
        frames = await pg.until("content_delta")
        conversation_id = frames[0]["conversation_id"]
        await pause.reached.wait()
    # The socket is closed mid-answer.
    items = await wait_for_status(client, conversation_id, "interrupted")
    assert [(m["role"], m["content"]) for m in items] == [
        ("user", "Question"),
        ("assistant", "Partial answer"),
    ]

    async with open_playground(server_url, agent.id, api_token) as pg:
        frames = await pg.turn("Go on", conversation_id)
        assert frames[0]["conversation_id"] == conversation_id
        assert frames[-1]["type"] == "message_complete"
    history = [(m.role, getattr(m, "content", "")) for m in model.calls[1].messages]
    assert history[1:] == [
        ("user", "Question"),
        ("assistant", "Partial answer"),
        ("user", "Go on"),
    ]


async def test_a_message_while_a_run_is_going_is_refused(
    app: FastAPI, server_url: str, api_token: str, use_model: ModelChoice
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    use_model(ScriptedModel([[text("thinking"), pause, text(" done")]]))
    async with open_playground(server_url, agent.id, api_token) as pg:
        await pg.send({"type": "user_message", "content": "one"})
        await pg.until("content_delta")
        await pause.reached.wait()
        await pg.send({"type": "user_message", "content": "two"})
        refused = await pg.recv()
        assert (refused["type"], refused["code"]) == ("error", "run_in_progress")
        pause.event.set()
        rest = await pg.until("message_complete")
        assert "".join(f.get("delta", "") for f in rest) == " done"
