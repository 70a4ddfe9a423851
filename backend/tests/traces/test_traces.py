"""GET /api/v1/conversations/{id}/traces: runs with their spans, timings, tokens, cost, redaction,
a page at a time."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.credentials.redact import remember_secrets
from app.llm.testing import ScriptedModel, text, tool_call
from app.runs.runner import run_agent
from app.tools.base import ToolResult
from app.traces.models import ExecutionTrace
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
    assert {k: body[k] for k in ("total", "limit", "offset")} == {
        "total": 1,
        "limit": 20,
        "offset": 0,
    }
    [run] = body["items"]
    spans = run["children"]
    items = [run, *spans]
    assert [i["kind"] for i in spans] == ["llm_call", "tool_call", "tool_call", "llm_call"]
    assert run["parent_id"] is None
    assert all(i["parent_id"] == run["id"] and i["children"] == [] for i in spans)
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
    [run] = response.json()["items"]
    tool_row = next(i for i in run["children"] if i["kind"] == "tool_call")
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


async def test_runs_come_a_page_at_a_time_newest_first_each_row_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await create_agent(app)
    tools = [FakeTool("forecast", returns("rain"))]
    conversation_id: uuid.UUID | None = None
    for day in ("mon", "tue", "wed"):
        model = ScriptedModel([[tool_call("forecast", {"day": day})], [text(f"Rain {day}")]])
        events = await collect(
            run_agent(
                sessionmaker=app.state.sessionmaker,
                agent=agent,
                model=model,
                tools=tools,
                user_text=f"Weather {day}?",
                conversation_id=conversation_id,
            )
        )
        conversation_id = conversation_id or conversation_of(events)
    url = f"/api/v1/conversations/{conversation_id}/traces"

    first = (await client.get(url, params={"limit": 2})).json()
    second = (await client.get(url, params={"limit": 2, "offset": 2})).json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert (second["total"], second["offset"]) == (3, 2)
    runs = first["items"] + second["items"]
    # Newest first; each run's spans (by start time) under it and nowhere else.
    assert [r["children"][0]["input"]["messages"][0]["content"] for r in runs] == [
        "Weather wed?",
        "Weather tue?",
        "Weather mon?",
    ]
    assert all(
        [s["kind"] for s in r["children"]] == ["llm_call", "tool_call", "llm_call"] for r in runs
    )
    ids = [r["id"] for r in runs] + [s["id"] for r in runs for s in r["children"]]
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(ExecutionTrace)
            .where(ExecutionTrace.conversation_id == conversation_id)
        )
    assert len(ids) == len(set(ids)) == stored == 12

    past_the_end = (await client.get(url, params={"offset": 3})).json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 3


async def test_trace_page_size_is_bounded(app: FastAPI, client: httpx.AsyncClient) -> None:
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
    url = f"/api/v1/conversations/{conversation_of(events)}/traces"
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "all"}):
        response = await client.get(url, params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "validation_error"
    assert len((await client.get(url, params={"limit": 100})).json()["items"]) == 1
