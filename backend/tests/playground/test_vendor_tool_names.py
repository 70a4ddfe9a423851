"""A property name Anthropic refuses, end to end: the playground chats with a Claude agent (real
SDK, fake Anthropic server that refuses such names) whose tool calls a local API by the
parameter's real name, Gmail's `$.xgafv`.

Anthropic sees `_.xgafv`; the API, the playground frames, the stored messages and the trace
all show `$.xgafv`.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from app.config import Settings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.fakes.server import Call, Reply, Text
from tests.playground.conftest import agent_with_tools, live_app, recorded_turn, running

SCHEMA = {
    "type": "object",
    "properties": {
        "$.xgafv": {"type": "string", "enum": ["1", "2"], "description": "V1 error format."},
        "userId": {"type": "string"},
    },
    "required": ["userId"],
}


async def test_a_renamed_property_reaches_the_tool_by_its_real_name(
    app: FastAPI, settings: Settings, tmp_data_dir: Path
) -> None:
    with FakeToolServer() as api:
        api.route("GET", "/gmail/v1/users/me/messages", lambda r: json_reply(200, {"n": 3}))
        script = [
            Reply([Call("list_messages", {"_.xgafv": "2", "userId": "me"}, fragments=3)]),
            Reply([Text("You have 3 messages.")]),
        ]
        async with FakeAnthropic(script) as llm:
            e2e = live_app(
                settings,
                tmp_data_dir,
                anthropic_api_key=SecretStr("sk-ant-e2e-key"),
                anthropic_base_url=llm.base_url,
            )
            async with running(e2e) as (url, rest):
                agent = await agent_with_tools(
                    rest,
                    {"name": "Mail", "provider": "anthropic", "model": "claude-sonnet-4-6"},
                    {"name": "Gmail", "base_url": api.url},
                    {
                        "name": "list_messages",
                        "path": "/gmail/v1/users/{userId}/messages",
                        "input_schema": SCHEMA,
                    },
                )
                frames, messages, traces = await recorded_turn(
                    url, rest, agent["id"], "How many messages?"
                )

    assert [f["type"] for f in frames] == [
        "conversation_started",
        "tool_use_start",
        "tool_use_complete",
        "content_delta",
        "message_complete",
    ], frames
    # The API got the real parameter name.
    [request] = api.requests
    assert request.path == "/gmail/v1/users/me/messages"
    assert request.query == {"$.xgafv": ["2"]}
    # What people see uses the real name too.
    assert frames[1]["input"] == {"$.xgafv": "2", "userId": "me"}
    assert frames[2]["is_error"] is False
    [assistant] = [m for m in messages["items"] if m["tool_calls"]]
    assert assistant["tool_calls"][0]["arguments"] == {"$.xgafv": "2", "userId": "me"}
    assert "_.xgafv" not in json.dumps([frames, messages, traces])
    # Anthropic only ever saw the name it accepts, in the tools and in the history.
    first, second = llm.bodies()
    assert sorted(first["tools"][0]["input_schema"]["properties"]) == ["_.xgafv", "userId"]
    tool_use = second["messages"][1]["content"][0]
    assert tool_use["type"] == "tool_use"
    assert tool_use["input"] == {"_.xgafv": "2", "userId": "me"}
