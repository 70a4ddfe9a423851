"""Done-when: a script opens the socket, chats with an agent whose tool calls a local HTTP API
(real model factory, real OpenAI SDK against the fake OpenAI server, real HTTP tool through the
egress guard), sees every token and tool call as it happens, then reads the conversation and
its trace tree over REST."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from app.config import Settings
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Call, Reply, Text
from tests.playground.conftest import agent_with_tools, live_app, recorded_turn, running

TOOL_TOKEN = "tool-bearer-token-5f4e3d2c"
OPENAI_KEY = "sk-e2e-openai-key-9a8b7c"


async def test_script_chats_with_an_agent_whose_tool_calls_a_local_api(
    app: FastAPI, settings: Settings, tmp_data_dir: Path
) -> None:
    with FakeToolServer() as api:
        api.route("GET", "/weather/Paris", lambda r: json_reply(200, {"city": "Paris", "c": 21}))
        script = [
            Reply([Text("Let me check. "), Call("get_weather", {"city": "Paris"}, fragments=3)]),
            Reply([Text("It is "), Text("21C in Paris.")]),
        ]
        async with FakeOpenAI(script) as llm:
            e2e = live_app(
                settings,
                tmp_data_dir,
                openai_api_key=SecretStr(OPENAI_KEY),
                openai_base_url=f"{llm.base_url}/v1",
            )
            async with running(e2e) as (url, rest):
                agent = await agent_with_tools(
                    rest,
                    {
                        "name": "Weather",
                        "system_prompt": "Use the weather tool.",
                        "provider": "openai",
                        "model": "gpt-4o-mini",
                    },
                    {
                        "name": "Weather API",
                        "base_url": api.url,
                        "auth_type": "bearer",
                        "secrets": {"token": TOOL_TOKEN},
                    },
                    {
                        "name": "get_weather",
                        "description": "Current weather in a city",
                        "path": "/weather/{city}",
                        "input_schema": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    },
                )

                frames, messages, traces = await recorded_turn(
                    url, rest, agent["id"], "Weather in Paris?"
                )

    kinds = [(f["type"], f.get("delta") or f.get("tool_name")) for f in frames]
    assert kinds == [
        ("conversation_started", None),
        ("content_delta", "Let me check. "),
        ("tool_use_start", "get_weather"),
        ("tool_use_complete", "get_weather"),
        ("content_delta", "It is "),
        ("content_delta", "21C in Paris."),
        ("message_complete", None),
    ]
    assert frames[2]["input"] == {"city": "Paris"}
    assert frames[3]["is_error"] is False
    assert "21" in json.dumps(frames[3]["result"])
    done = frames[-1]
    assert done["usage"] == {"input_tokens": 24, "output_tokens": 14}
    assert done["cost_usd"] is not None and done["cost_usd"] > 0

    # The tool really called the local API, with its credential.
    [request] = api.requests
    assert request.path == "/weather/Paris"
    assert request.header("Authorization") == f"Bearer {TOOL_TOKEN}"
    # The model got the tool's result on its second call.
    second = llm.bodies()[1]["messages"]
    assert second[-1]["role"] == "tool" and "21" in second[-1]["content"]

    assert [m["role"] for m in messages["items"]] == ["user", "assistant", "tool", "assistant"]
    assert messages["items"][-1]["content"] == "It is 21C in Paris."
    [run] = traces["items"]
    assert [c["kind"] for c in run["children"]] == ["llm_call", "tool_call", "llm_call"]
    assert run["message_id"] == done["message_id"]
    everything = json.dumps([frames, messages, traces])
    assert TOOL_TOKEN not in everything and OPENAI_KEY not in everything
