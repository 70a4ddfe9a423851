"""GET /api/v1/conversations/{id}/traces: the run tree with timings, tokens, cost, redaction."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from app.credentials.redact import remember_secrets
from app.llm.testing import ScriptedModel, text, tool_call
from app.runs.runner import run_agent
from app.tools.base import ToolResult
from tests.runs.helpers import FakeTool, create_agent, returns
from tests.runs.test_runner import collect, conversation_of


async def test_trace_tree_of_a_run_with_tools(app: FastAPI, client: httpx.AsyncClient) -> None:
    agent = await create_agent(app)

    async def failing(arguments: dict[str, Any]) -> ToolResult:
        return ToolResult(content="HTTP 500 from the weather API", is_error=True, status_code=500)

    tools = [FakeTool("forecast", returns("rain", {"sky": "rain"})), FakeTool("alerts", failing)]
    model = ScriptedModel(
        [
            [text("Checking"), tool_call("forecast", {"day": "mon"}), tool_call("alerts")],
            [text("Rain, no alerts available.")],
        ],
        provider="openai",
        name="gpt-4o-mini",
        usage=(1000, 100),
    )
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=model,
            tools=tools,
            user_text="Weather?",
        )
    )
    conversation_id = conversation_of(events)
    body = (await client.get(f"/api/v1/conversations/{conversation_id}/traces")).json()
    assert set(body) == {"items", "tree"}
    items = body["items"]
    assert [i["kind"] for i in items] == ["run", "llm_call", "tool_call", "tool_call", "llm_call"]
    run = items[0]
    assert run["parent_id"] is None
    assert all(i["parent_id"] == run["id"] for i in items[1:])
    assert run["input_tokens"] == 2000 and run["output_tokens"] == 200
    # gpt-4o-mini: $0.15 / 1M input, $0.60 / 1M output, two calls of 1000 + 100 tokens.
    assert run["cost_usd"] == 2 * (1000 * 0.15 + 100 * 0.6) / 1_000_000
    assert events[-1].cost_usd == run["cost_usd"]  # type: ignore[union-attr]
    assert run["message_id"] == str(events[-1].message_id)  # type: ignore[union-attr]
    assert run["error"] is None and run["ended_at"] >= run["started_at"]
    assert run["latency_ms"] >= run["ttft_ms"] > 0

    first_call = items[1]
    assert first_call["name"] == "openai/gpt-4o-mini"
    assert first_call["input"]["messages"] == [{"role": "user", "content": "Weather?"}]
    assert first_call["output"]["content"] == "Checking"
    assert [c["name"] for c in first_call["output"]["tool_calls"]] == ["forecast", "alerts"]
    assert first_call["input_tokens"] == 1000 and first_call["ttft_ms"] is not None
    tool_rows = {i["name"]: i for i in items if i["kind"] == "tool_call"}
    assert tool_rows["forecast"]["input"] == {"day": "mon"}
    assert tool_rows["forecast"]["output"] == {"sky": "rain"}
    assert tool_rows["forecast"]["error"] is None
    assert tool_rows["alerts"]["error"] == "HTTP 500 from the weather API"
    assert items[4]["input"]["messages"][0]["role"] == "tool"  # what the second call added

    tree = body["tree"]
    assert len(tree) == 1 and tree[0]["id"] == run["id"]
    assert [c["kind"] for c in tree[0]["children"]] == [i["kind"] for i in items[1:]]
    assert all(c["children"] == [] for c in tree[0]["children"])


async def test_secrets_are_redacted_in_traces(app: FastAPI, client: httpx.AsyncClient) -> None:
    agent = await create_agent(app)
    # As if one of its credentials had been decrypted:
    remember_secrets(agent.workspace_id, ["tok-live-9f8e7d6c5b4a"])
    tools = [FakeTool("call_api", returns("used tok-live-9f8e7d6c5b4a ok", {"echo": "ok"}))]
    model = ScriptedModel(
        [
            [tool_call("call_api", {"api_key": "sk-model-leaked-123", "q": "weather"})],
            [text("done")],
        ]
    )
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=model,
            tools=tools,
            user_text="My token is tok-live-9f8e7d6c5b4a",
        )
    )
    response = await client.get(f"/api/v1/conversations/{conversation_of(events)}/traces")
    assert "tok-live-9f8e7d6c5b4a" not in response.text
    assert "sk-model-leaked-123" not in response.text
    tool_row = next(i for i in response.json()["items"] if i["kind"] == "tool_call")
    assert tool_row["input"] == {"api_key": "[REDACTED]", "q": "weather"}


async def test_traces_of_missing_or_foreign_conversations_are_404(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=ScriptedModel([[text("hi")]]),
            tools=[],
            user_text="hi",
        )
    )
    conversation_id = conversation_of(events)
    for c, cid in ((other_client, conversation_id), (client, uuid.uuid4())):
        response = await c.get(f"/api/v1/conversations/{cid}/traces")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found:conversation"
