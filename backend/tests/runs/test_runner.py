"""run_agent with the scripted model: events, persistence, tools, limits, provider errors."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import FastAPI

from app.agents.models import Agent
from app.llm.errors import ProviderRateLimited, ProviderUnavailable
from app.llm.messages import AssistantMessage, SystemMessage, ToolResultMessage, UserMessage
from app.llm.testing import ScriptedModel, text, tool_call
from app.runs.cancel import RunRegistry
from app.runs.events import (
    ContentDelta,
    ConversationStarted,
    MessageComplete,
    RunError,
    RunEvent,
    ToolUseComplete,
    ToolUseStart,
)
from app.runs.runner import AgentRun, run_agent
from app.tools.base import Tool, ToolResult
from tests.runs.helpers import (
    FakeTool,
    create_agent,
    messages_of,
    returns,
    traces_of,
    waits_for,
)


def start(app: FastAPI, agent: Agent, model: ScriptedModel, text_: str, **kw: Any) -> AgentRun:
    return run_agent(
        sessionmaker=app.state.sessionmaker,
        agent=agent,
        model=model,
        tools=kw.pop("tools", []),
        user_text=text_,
        **kw,
    )


async def collect(run: AgentRun) -> list[RunEvent]:
    async with run:
        return [event async for event in run]


def conversation_of(events: list[RunEvent]) -> uuid.UUID:
    started = [e for e in events if isinstance(e, ConversationStarted)]
    assert len(started) == 1
    return started[0].conversation_id


async def test_plain_answer_streams_deltas_and_stores_both_messages(app: FastAPI) -> None:
    agent = await create_agent(app)
    model = ScriptedModel([[text("Hel"), text("lo "), text("there")]], usage=(12, 3))
    events = await collect(start(app, agent, model, "Hi"))

    assert [type(e) for e in events] == [
        ConversationStarted,
        ContentDelta,
        ContentDelta,
        ContentDelta,
        MessageComplete,
    ]
    assert [e.delta for e in events if isinstance(e, ContentDelta)] == ["Hel", "lo ", "there"]
    done = events[-1]
    assert isinstance(done, MessageComplete)
    assert done.status == "complete"
    assert done.usage.input_tokens == 12 and done.usage.output_tokens == 3
    assert done.ttft_ms is not None and done.latency_ms >= done.ttft_ms

    conversation_id = conversation_of(events)
    stored = await messages_of(app, conversation_id)
    assert [(m.seq, m.role, m.content, m.status) for m in stored] == [
        (1, "user", "Hi", "complete"),
        (2, "assistant", "Hello there", "complete"),
    ]
    assert stored[1].id == done.message_id
    meta = stored[1].message_metadata
    assert meta["model"] == "scripted" and meta["usage"] == {"input_tokens": 12, "output_tokens": 3}
    # The model got the system prompt and the user's message.
    sent = model.calls[0].messages
    assert sent == [SystemMessage(content=agent.system_prompt), UserMessage(content="Hi")]


async def test_parallel_tool_calls_run_concurrently_and_results_reach_the_model(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    # Each tool waits for the other to have started: run one after the other, they would hang.
    a_started, b_started = asyncio.Event(), asyncio.Event()

    async def tool_a(arguments: dict[str, Any]) -> ToolResult:
        a_started.set()
        await b_started.wait()
        return ToolResult(content="Paris: 21C", data={"temp": 21})

    async def tool_b(arguments: dict[str, Any]) -> ToolResult:
        b_started.set()
        await a_started.wait()
        return ToolResult(content="Oslo: 5C", data={"temp": 5})

    tools = [FakeTool("weather_paris", tool_a), FakeTool("weather_oslo", tool_b)]
    model = ScriptedModel(
        [
            [
                text("Checking. "),
                tool_call("weather_paris", {"city": "Paris"}, id="c1"),
                tool_call("weather_oslo", {"city": "Oslo"}, id="c2"),
            ],
            [text("Paris is warmer.")],
        ]
    )
    events = await asyncio.wait_for(collect(start(app, agent, model, "Compare", tools=tools)), 10)

    starts = [e for e in events if isinstance(e, ToolUseStart)]
    completes = [e for e in events if isinstance(e, ToolUseComplete)]
    assert [(s.tool_call_id, s.tool_name, s.input) for s in starts] == [
        ("c1", "weather_paris", {"city": "Paris"}),
        ("c2", "weather_oslo", {"city": "Oslo"}),
    ]
    assert {c.tool_call_id: c.result for c in completes} == {"c1": {"temp": 21}, "c2": {"temp": 5}}
    assert all(not c.is_error for c in completes)
    assert isinstance(events[-1], MessageComplete)
    # Usage is the sum over both model calls.
    assert events[-1].usage.input_tokens == 20 and events[-1].usage.output_tokens == 10

    second_call = model.calls[1].messages
    assert isinstance(second_call[-3], AssistantMessage)
    assert [c.id for c in second_call[-3].tool_calls] == ["c1", "c2"]
    assert second_call[-2:] == [
        ToolResultMessage(tool_call_id="c1", name="weather_paris", content="Paris: 21C"),
        ToolResultMessage(tool_call_id="c2", name="weather_oslo", content="Oslo: 5C"),
    ]

    stored = await messages_of(app, conversation_of(events))
    assert [m.role for m in stored] == ["user", "assistant", "tool", "tool", "assistant"]
    assert stored[1].tool_calls == [
        {"id": "c1", "name": "weather_paris", "arguments": {"city": "Paris"}},
        {"id": "c2", "name": "weather_oslo", "arguments": {"city": "Oslo"}},
    ]
    assert stored[-1].id == events[-1].message_id


async def test_failing_slow_and_unknown_tools_become_error_results_the_model_sees(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)

    async def boom(arguments: dict[str, Any]) -> ToolResult:
        raise RuntimeError("secret-internal-detail")

    never = asyncio.Event()
    tools: list[Tool] = [
        FakeTool("broken", boom),
        FakeTool("slow", waits_for(never), timeout_s=0.05),
    ]
    model = ScriptedModel(
        [
            [
                tool_call("broken", id="t1"),
                tool_call("slow", id="t2"),
                tool_call("imaginary", id="t3"),
            ],
            [text("Sorry, the tools failed.")],
        ]
    )
    events = await collect(start(app, agent, model, "Go", tools=tools))
    completes = {e.tool_call_id: e for e in events if isinstance(e, ToolUseComplete)}
    assert all(c.is_error for c in completes.values())
    assert "failed unexpectedly (RuntimeError)" in completes["t1"].result
    assert "secret-internal-detail" not in completes["t1"].result
    assert "timed out after 0.05s" in completes["t2"].result
    assert 'Unknown tool "imaginary"' in completes["t3"].result
    assert "broken, slow" in completes["t3"].result
    assert isinstance(events[-1], MessageComplete)
    results = [m for m in model.calls[1].messages if isinstance(m, ToolResultMessage)]
    assert [r.is_error for r in results] == [True, True, True]


async def test_max_turns_stops_a_looping_agent_with_a_clear_error(app: FastAPI) -> None:
    agent = await create_agent(app, llm_config={"max_turns": 2})
    tool = FakeTool("lookup", returns("nothing yet"))
    model = ScriptedModel([[tool_call("lookup", id="a")], [tool_call("lookup", id="b")]])
    events = await collect(start(app, agent, model, "Loop", tools=[tool]))

    error = events[-1]
    assert isinstance(error, RunError)
    assert error.code == "max_turns_reached"
    assert "2 model calls" in error.message and "max_turns" in error.message
    assert len(model.calls) == 2 and tool.calls == [{}]  # the second call's tool never ran
    stored = await messages_of(app, conversation_of(events))
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant", "tool"]
    assert stored[-1].message_metadata["is_error"] is True
    assert "max_turns" in stored[-1].content
    run = next(t for t in await traces_of(app, conversation_of(events)) if t.kind == "run")
    assert run.error is not None and run.error.startswith("max_turns_reached")


async def test_default_max_turns_comes_from_settings(app: FastAPI) -> None:
    agent = await create_agent(app)
    tool = FakeTool("lookup", returns("again"))
    model = ScriptedModel([[tool_call("lookup")] for _ in range(3)])
    events = await collect(start(app, agent, model, "Loop", tools=[tool], max_turns_default=3))
    assert isinstance(events[-1], RunError) and events[-1].code == "max_turns_reached"
    assert len(model.calls) == 3


async def test_provider_error_mid_stream_keeps_partial_text_and_ends_with_error(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    model = ScriptedModel(
        [[text("Half an ans"), ProviderUnavailable("openai", "OpenAI is unavailable (503)")]]
    )
    events = await collect(start(app, agent, model, "Hi"))
    error = events[-1]
    assert isinstance(error, RunError)
    assert (error.code, error.retryable) == ("provider_unavailable", True)
    assert error.message == "OpenAI is unavailable (503)"
    stored = await messages_of(app, conversation_of(events))
    assert [(m.role, m.content, m.status) for m in stored] == [
        ("user", "Hi", "complete"),
        ("assistant", "Half an ans", "error"),
    ]
    assert stored[1].message_metadata["error"]["code"] == "provider_unavailable"


async def test_rate_limit_before_any_token_keeps_the_user_message(app: FastAPI) -> None:
    agent = await create_agent(app)
    model = ScriptedModel([[ProviderRateLimited("openai", "Rate limited by OpenAI; retry")]])
    events = await collect(start(app, agent, model, "Hi"))
    assert isinstance(events[-1], RunError) and events[-1].code == "provider_rate_limited"
    stored = await messages_of(app, conversation_of(events))
    assert stored[0].role == "user" and stored[0].content == "Hi"


async def test_a_second_turn_sees_the_first_and_the_title_is_the_first_message(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    model = ScriptedModel([[text("4")], [text("8")]])
    first = await collect(start(app, agent, model, "What is 2+2?  " + "x" * 100))
    conversation_id = conversation_of(first)
    second = await collect(start(app, agent, model, "Double it", conversation_id=conversation_id))
    assert conversation_of(second) == conversation_id
    assert isinstance(second[0], ConversationStarted) and not second[0].created
    roles = [(type(m).__name__, getattr(m, "content", None)) for m in model.calls[1].messages]
    assert roles[1:] == [
        ("UserMessage", "What is 2+2?  " + "x" * 100),
        ("AssistantMessage", "4"),
        ("UserMessage", "Double it"),
    ]
    stored = await messages_of(app, conversation_id)
    assert [m.seq for m in stored] == [1, 2, 3, 4]
    async with app.state.sessionmaker() as session:
        from app.conversations.models import Conversation

        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.title.startswith("What is 2+2? x")
        assert len(conversation.title) == 80


async def test_unknown_or_foreign_conversation_is_not_found(app: FastAPI) -> None:
    agent = await create_agent(app)
    other = await create_agent(app, name="Other")
    model = ScriptedModel([[text("hi")]])
    theirs = conversation_of(await collect(start(app, other, model, "mine")))
    for conversation_id in (uuid.uuid4(), theirs):
        events = await collect(
            start(app, agent, ScriptedModel([]), "Hi", conversation_id=conversation_id)
        )
        assert len(events) == 1 and isinstance(events[0], RunError)
        assert events[0].code == "not_found:conversation"
    assert len(await messages_of(app, theirs)) == 2  # untouched


async def test_a_second_run_on_a_busy_conversation_is_refused(app: FastAPI) -> None:
    agent = await create_agent(app)
    registry = RunRegistry(app.state.settings, app.state.redis)
    release = asyncio.Event()
    tool = FakeTool("wait", waits_for(release))
    model = ScriptedModel([[text("a")], [tool_call("wait")], [text("done")]])
    first = conversation_of(await collect(start(app, agent, model, "one", registry=registry)))

    busy = start(app, agent, model, "two", conversation_id=first, registry=registry, tools=[tool])
    async with busy:
        async for event in busy:
            if isinstance(event, ToolUseStart):
                break
        await tool.started.wait()
        clash = await collect(
            start(app, agent, ScriptedModel([]), "three", conversation_id=first, registry=registry)
        )
        assert [(type(e), getattr(e, "code", None)) for e in clash] == [
            (RunError, "run_in_progress")
        ]
        release.set()
        rest = [event async for event in busy]
    assert isinstance(rest[-1], MessageComplete)
    assert not registry.is_running(first)


async def test_an_exhausted_connection_pool_is_a_retryable_busy_error(app: FastAPI) -> None:
    """Overload is not a bug: the client is told to try again, not 'failed unexpectedly'."""
    import sqlalchemy.exc

    from app.llm.base import Model

    class PoolStarved(Model):
        provider = "openai"
        name = "gpt-4o"

        async def stream(self, messages, tools=(), settings=None):  # type: ignore[no-untyped-def]
            raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached")
            yield  # an async generator, like every model

    agent = await create_agent(app)
    events = await collect(start(app, agent, PoolStarved(), "Busy?"))
    error = events[-1]
    assert isinstance(error, RunError)
    assert error.code == "server_busy" and error.retryable is True
    assert "try again" in error.message
    stored = await messages_of(app, conversation_of(events))
    assert [m.role for m in stored] == ["user"]  # the question is kept for the retry
