"""Text from outside that the database refuses (NUL, a lone surrogate) in a model's reply or a
tool's response does not fail the turn: the user sees the answer, and the messages and traces
are stored with U+FFFD in its place. Real OpenAI SDK against the fake server, real HTTP tools
against the loopback tool server, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr

from app.config import Settings
from app.main import create_app
from app.storable import storable
from tests.conftest import OWNER_A, make_client, make_settings
from tests.fakes.http_tool_server import FakeToolServer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Call, Reply, Text
from tests.playground.conftest import open_playground, serve

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


async def add_tool(rest: httpx.AsyncClient, integration_id: str, name: str, path: str) -> None:
    tool = await rest.post(
        f"/api/v1/integrations/{integration_id}/tools",
        json={"name": name, "method": "GET", "path": path},
    )
    assert tool.status_code == 201, tool.text


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
            e2e = create_app(
                make_settings(
                    settings.resolved_database_url,
                    tmp_data_dir,
                    tool_allowed_private_hosts="127.0.0.1",
                    openai_api_key=SecretStr("sk-storable-test"),
                    openai_base_url=f"{llm.base_url}/v1",
                    llm_max_retries=0,
                )
            )
            async with (
                LifespanManager(e2e),
                serve(e2e) as url,
                make_client(e2e, OWNER_A.api_key) as rest,
            ):
                agent = (
                    await rest.post(
                        "/api/v1/agents",
                        json={"name": "Echo", "provider": "openai", "model": "gpt-4o-mini"},
                    )
                ).json()
                integration = await rest.post(
                    f"/api/v1/agents/{agent['id']}/integrations",
                    json={"name": "Local", "base_url": api.url},
                )
                assert integration.status_code == 201, integration.text
                await add_tool(rest, integration.json()["id"], "get_json", "/json")
                await add_tool(rest, integration.json()["id"], "get_text", "/text")

                async with open_playground(url, agent["id"], OWNER_A.api_key) as pg:
                    frames = await pg.turn("Weather?")
                conversation_id = frames[0]["conversation_id"]
                messages = await rest.get(f"/api/v1/conversations/{conversation_id}/messages")
                traces = await rest.get(f"/api/v1/conversations/{conversation_id}/traces")

    # The user saw the whole answer as it streamed, and the turn completed.
    assert frames[-1]["type"] == "message_complete", frames[-1]
    streamed = "".join(f["delta"] for f in frames if f["type"] == "content_delta")
    assert streamed == answer
    results = [f for f in frames if f["type"] == "tool_use_complete"]
    assert [r["is_error"] for r in results] == [False, False]

    assert messages.status_code == 200, messages.text
    items = messages.json()["items"]
    assert [m["role"] for m in items] == ["user", "assistant", "tool", "tool", "assistant"]
    assert items[-1]["content"] == "It is 21C\ufffd in Paris\ufffd."
    assert items[-1]["status"] == "complete"
    tools = {m["metadata"]["tool_name"]: m for m in items if m["role"] == "tool"}
    assert tools["get_json"]["metadata"]["result"] == {"note": "a\ufffdb"}
    assert tools["get_text"]["content"] == "raw\ufffdbytes"

    assert traces.status_code == 200, traces.text
    [run] = traces.json()["items"]
    kinds = [c["kind"] for c in run["children"]]
    assert kinds == ["llm_call", "tool_call", "tool_call", "llm_call"]
    assert storable(run) == run  # no NUL or lone surrogate anywhere in the stored trace
    assert run["children"][-1]["output"]["content"] == "It is 21C\ufffd in Paris\ufffd."
