"""The fake vendor servers as standalone processes, in their auto mode.

The dashboard's end-to-end tests and the benchmark start them with
`python -m tests.fakes.<vendor>_server --port N`; the real SDKs must be able to hold a whole
tool-using conversation with them.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.llm.base import Model, TextDelta, ToolCall
from app.llm.messages import (
    AssistantMessage,
    Message,
    ToolCallRequest,
    ToolResultMessage,
    UserMessage,
)
from tests.fakes.server import FakeServer
from tests.llm.conftest import WEATHER, collect, model_for

BACKEND = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def standalone(vendor: str) -> AsyncIterator[Model]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"tests.fakes.{vendor}_server",
        "--port",
        str(port),
        "--delay-ms",
        "1",
        cwd=BACKEND,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert f"127.0.0.1:{port}" in line.decode()
        yield model_for(vendor, FakeServer(port=port))  # (not started: only its base_url)
    finally:
        process.terminate()
        await process.wait()


async def test_auto_mode_holds_a_tool_conversation(standalone: Model) -> None:
    ask = 'Please use get_weather with {"city": "Oslo", "days": 2} thanks'
    messages: list[Message] = [UserMessage(content=ask)]
    [call] = [e for e in await collect(standalone, messages, [WEATHER]) if isinstance(e, ToolCall)]
    assert (call.name, call.arguments) == ("get_weather", {"city": "Oslo", "days": 2})

    messages += [
        AssistantMessage(
            tool_calls=[ToolCallRequest(id=call.id, name=call.name, arguments=call.arguments)]
        ),
        ToolResultMessage(tool_call_id=call.id, name=call.name, content="sunny, 18°C"),
    ]
    events = await collect(standalone, messages, [WEATHER])
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "The tool returned: sunny, 18°C"


async def test_auto_mode_echoes_in_small_chunks_when_no_tool_is_named(standalone: Model) -> None:
    events = await collect(standalone, [UserMessage(content="hello there")], [WEATHER])
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "Echo: hello there"
    assert len(deltas) > 3 and all(len(d) <= 3 for d in deltas)
