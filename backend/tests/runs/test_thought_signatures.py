"""Gemini's thought signatures are stored with the tool call: a conversation continues on any
worker with the signature Gemini gave, and no other vendor ever receives one."""

from __future__ import annotations

import asyncio
import base64
import sys
import uuid
from pathlib import Path

from fastapi import FastAPI

from app.agents.models import Agent
from app.config import Settings
from app.llm.providers.google import GoogleModel
from app.runs.runner import run_agent
from tests.fakes.google_server import FakeGoogle
from tests.fakes.server import Call, FakeServer, Reply, Text
from tests.llm.conftest import API_KEY, LOCAL, fake_server, model_for
from tests.runs.helpers import FakeTool, create_agent, messages_of, returns
from tests.runs.test_runner import collect, conversation_of

BACKEND = Path(__file__).resolve().parents[2]
SIGNED = base64.b64encode(b"signed-on-worker-one").decode()


def gemini(fake: FakeServer) -> GoogleModel:
    return GoogleModel(
        "gemini-3-pro-preview", api_key=API_KEY, egress=LOCAL, base_url=fake.base_url
    )


async def first_turn(app: FastAPI, fake: FakeServer) -> tuple[Agent, uuid.UUID]:
    """A Gemini agent and its conversation whose first turn called a tool Gemini signed."""
    agent = await create_agent(app, provider="google", model="gemini-3-pro-preview")
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=gemini(fake),
            tools=[FakeTool("forecast", returns("rain"))],
            user_text="Weather on Monday?",
        )
    )
    return agent, conversation_of(events)


def signed_call_part(body: dict[str, object]) -> dict[str, object]:
    contents = body["contents"]
    assert isinstance(contents, list)
    [part] = [
        p for c in contents if c["role"] == "model" for p in c["parts"] if "functionCall" in p
    ]
    return part


async def test_a_conversation_continues_on_another_worker_with_geminis_signature(
    app: FastAPI, settings: Settings
) -> None:
    script = [
        Reply([Call("forecast", {"day": "mon"}, signature=SIGNED)]),
        Reply([Text("Rain on Monday.")]),
        Reply([Text("Sun on Tuesday.")]),
    ]
    async with FakeGoogle(script) as fake:
        agent, conversation_id = await first_turn(app, fake)
        # Stored with the assistant message's tool call.
        stored = await messages_of(app, conversation_id)
        [with_call] = [m for m in stored if m.tool_calls]
        [call] = with_call.tool_calls or []
        assert call["name"] == "forecast" and call["thought_signature"] == SIGNED
        # The next turn runs in another process: only the database links it to this one.
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.runs.second_worker",
            settings.database_url,
            str(agent.id),
            str(conversation_id),
            fake.base_url,
            "And Tuesday?",
            cwd=BACKEND,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await worker.communicate()
        assert worker.returncode == 0, stderr.decode()

    within_turn, other_worker = fake.requests[1].json(), fake.requests[2].json()
    for body in (within_turn, other_worker):
        signature = signed_call_part(body)["thoughtSignature"]
        assert isinstance(signature, str)
        assert base64.b64decode(signature) == b"signed-on-worker-one"
    assert other_worker["contents"][-1] == {"role": "user", "parts": [{"text": "And Tuesday?"}]}
    stored = await messages_of(app, conversation_id)
    assert [m.content for m in stored if m.role == "assistant" and m.content] == [
        "Rain on Monday.",
        "Sun on Tuesday.",
    ]


async def test_a_conversation_gemini_signed_goes_on_with_other_vendors_unsigned(
    app: FastAPI,
) -> None:
    async with FakeGoogle(
        [Reply([Call("forecast", signature=SIGNED)]), Reply([Text("Rain.")])]
    ) as fake:
        agent, conversation_id = await first_turn(app, fake)
    for vendor in ("openai", "anthropic"):
        async with fake_server(vendor, [Reply([Text("Still rain.")])]) as other:
            await collect(
                run_agent(
                    sessionmaker=app.state.sessionmaker,
                    agent=agent,
                    model=model_for(vendor, other),
                    tools=[FakeTool("forecast", returns("rain"))],
                    user_text="And now?",
                    conversation_id=conversation_id,
                )
            )
        raw = other.requests[0].body.decode()
        assert '"forecast"' in raw  # the earlier call went, without its signature
        assert SIGNED not in raw and "signed-on-worker-one" not in raw
        assert "signature" not in raw.lower()
    stored = await messages_of(app, conversation_id)
    assert [m.content for m in stored if m.role == "assistant" and m.content] == [
        "Rain.",
        "Still rain.",
        "Still rain.",
    ]
