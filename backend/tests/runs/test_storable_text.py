"""Text from outside that the database refuses (NUL, a lone surrogate) in a model's reply or a
tool's response does not fail the turn: the user sees the answer, and the messages and traces
are stored with U+FFFD in its place. Real OpenAI SDK against the fake server, real HTTP tools
against the loopback tool server, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from app.config import Settings
from app.storable import storable
from tests.fakes.http_tool_server import FakeToolServer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Call, Reply, Text
from tests.playground.conftest import agent_with_tools, live_app, recorded_turn, running

BAD = "\x00"
LONE = "\ud800"


def test_storable_replaces_nul_and_lone_surrogates_everywhere_in_json() -> None:
    value = {
        f"k{BAD}": [f"a{BAD}b", {"x": f"c{LONE}d"}, 3, None, True],
        "pair": "\ud83d\ude00 stays",  # a surrogate pair is a character, kept
        "ok": "plain",
    }
    assert storable(value) == {
        "k\ufffd": ["a\ufffdb", {"x": "c\ufffdd"}, 3, None, True],
        "pair": "\U0001f600 stays",
        "ok": "plain",
    }


def text_reply(body: bytes, content_type: str) -> Any:
    return lambda r: (200, {"Content-Type": content_type}, body)


async def test_a_turn_with_nul_and_lone_surrogates_completes_and_is_stored(
    app: FastAPI, settings: Settings, tmp_data_dir: Path
) -> None:
    answer = f"It is 21C{BAD} in Paris{LONE}."
    script = [
        Reply([Call("get_json", {}), Call("get_text", {})]),
        Reply([Text(answer)]),
    ]
    with FakeToolServer() as api:
        # A JSON body whose string holds an escaped NUL, and a text body with raw NUL bytes.
        api.route("GET", "/json", text_reply(b'{"note": "a\\u0000b"}', "application/json"))
        api.route("GET", "/text", text_reply(b"raw\x00bytes", "text/plain"))
        async with FakeOpenAI(script) as llm:
            e2e = live_app(
                settings,
                tmp_data_dir,
                openai_api_key=SecretStr("sk-storable-test"),
                openai_base_url=f"{llm.base_url}/v1",
            )
            async with running(e2e) as (url, rest):
                agent = await agent_with_tools(
                    rest,
                    {"name": "Echo", "provider": "openai", "model": "gpt-4o-mini"},
                    {"name": "Local", "base_url": api.url},
                    {"name": "get_json", "method": "GET", "path": "/json"},
                    {"name": "get_text", "method": "GET", "path": "/text"},
                )

                frames, messages, traces = await recorded_turn(url, rest, agent["id"], "Weather?")

    # The user saw the whole answer as it streamed, and the turn completed.
    assert frames[-1]["type"] == "message_complete", frames[-1]
    streamed = "".join(f["delta"] for f in frames if f["type"] == "content_delta")
    assert streamed == answer
    results = [f for f in frames if f["type"] == "tool_use_complete"]
    assert [r["is_error"] for r in results] == [False, False]

    items = messages["items"]
    assert [m["role"] for m in items] == ["user", "assistant", "tool", "tool", "assistant"]
    assert items[-1]["content"] == "It is 21C\ufffd in Paris\ufffd."
    assert items[-1]["status"] == "complete"
    tools = {m["metadata"]["tool_name"]: m for m in items if m["role"] == "tool"}
    assert tools["get_json"]["metadata"]["result"] == {"note": "a\ufffdb"}
    assert tools["get_text"]["content"] == "raw\ufffdbytes"

    [run] = traces["items"]
    kinds = [c["kind"] for c in run["children"]]
    assert kinds == ["llm_call", "tool_call", "tool_call", "llm_call"]
    assert storable(run) == run  # no NUL or lone surrogate anywhere in the stored trace
    assert run["children"][-1]["output"]["content"] == "It is 21C\ufffd in Paris\ufffd."
