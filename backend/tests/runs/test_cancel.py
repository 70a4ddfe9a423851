"""Cancelling a run: from the caller, by dropping the iterator, and through the registry."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from app.llm.messages import ToolResultMessage
from app.llm.testing import Pause, ScriptedModel, text, tool_call
from app.runs.cancel import RunRegistry
from app.runs.events import ContentDelta, ConversationStarted, MessageComplete, ToolUseStart
from tests.runs.helpers import FakeTool, create_agent, messages_of, traces_of, waits_for
from tests.runs.test_runner import collect, conversation_of, start


async def test_cancel_mid_stream_keeps_the_partial_text_as_interrupted(app: FastAPI) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("The answer "), text("is "), pause, text("never sent")]])
    run = start(app, agent, model, "Question")
    seen: list[object] = []
    async with run:
        async for event in run:
            seen.append(event)
            if isinstance(event, ContentDelta) and event.delta == "is ":
                await pause.reached.wait()
                run.cancel()
    done = seen[-1]
    assert isinstance(done, MessageComplete) and done.status == "interrupted"
    assert "never sent" not in "".join(e.delta for e in seen if isinstance(e, ContentDelta))

    conversation_id = conversation_of(seen)  # type: ignore[arg-type]
    stored = await messages_of(app, conversation_id)
    assert [(m.role, m.content, m.status) for m in stored] == [
        ("user", "Question", "complete"),
        ("assistant", "The answer is ", "interrupted"),
    ]
    assert stored[1].id == done.message_id
    traces = {t.kind: t for t in await traces_of(app, conversation_id)}
    assert traces["run"].error == "cancelled" and traces["run"].ended_at is not None
    assert traces["llm_call"].error == "cancelled"
    assert traces["llm_call"].output["content"] == "The answer is "


async def test_cancel_while_tools_run_stops_them_and_history_stays_usable(app: FastAPI) -> None:
    agent = await create_agent(app)
    never = asyncio.Event()
    slow = FakeTool("slow_search", waits_for(never))
    model = ScriptedModel(
        [[text("Searching."), tool_call("slow_search", {"q": "x"}, id="s1")], [text("Hi again")]]
    )
    run = start(app, agent, model, "Find x", tools=[slow])
    events: list[object] = []
    async with run:
        async for event in run:
            events.append(event)
            if isinstance(event, ToolUseStart):
                await slow.started.wait()
                run.cancel()
    done = events[-1]
    assert isinstance(done, MessageComplete) and done.status == "interrupted"
    conversation_id = conversation_of(events)  # type: ignore[arg-type]
    stored = await messages_of(app, conversation_id)
    assert [(m.role, m.status) for m in stored] == [
        ("user", "complete"),
        ("assistant", "complete"),
        ("tool", "interrupted"),
    ]
    assert stored[1].id == done.message_id
    assert stored[2].message_metadata["is_error"] is True and "Cancelled" in stored[2].content
    assert not never.is_set()

    # The next turn's history is well formed: the cut-off call has its (error) result.
    again = await collect(start(app, agent, model, "Hello?", conversation_id=conversation_id))
    assert isinstance(again[-1], MessageComplete) and again[-1].status == "complete"
    results = [m for m in model.calls[1].messages if isinstance(m, ToolResultMessage)]
    assert [(r.tool_call_id, r.is_error) for r in results] == [("s1", True)]


async def test_cancel_before_the_first_token_stores_an_empty_interrupted_answer(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[pause, text("late")], [text("fresh")]])
    run = start(app, agent, model, "Hi")
    events: list[object] = []
    async with run:
        async for event in run:
            events.append(event)
            if isinstance(event, ConversationStarted):
                await pause.reached.wait()
                run.cancel()
    assert isinstance(events[-1], MessageComplete) and events[-1].status == "interrupted"
    conversation_id = conversation_of(events)  # type: ignore[arg-type]
    stored = await messages_of(app, conversation_id)
    assert [(m.role, m.content, m.status) for m in stored] == [
        ("user", "Hi", "complete"),
        ("assistant", "", "interrupted"),
    ]
    # An empty cut-off answer is left out of what the model sees next time.
    await collect(start(app, agent, model, "Still there?", conversation_id=conversation_id))
    roles = [m.role for m in model.calls[1].messages]
    assert roles == ["system", "user", "user"]


async def test_a_consumer_that_goes_away_interrupts_the_run(app: FastAPI) -> None:
    agent = await create_agent(app)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("partial"), pause, text(" rest")]])
    run = start(app, agent, model, "Hi")
    conversation_id = None
    async for event in run:
        if isinstance(event, ConversationStarted):
            conversation_id = event.conversation_id
        if isinstance(event, ContentDelta):
            break
    await pause.reached.wait()
    await run.aclose()  # what the playground does when the socket drops
    assert conversation_id is not None
    stored = await messages_of(app, conversation_id)
    assert [(m.role, m.content, m.status) for m in stored][-1] == (
        "assistant",
        "partial",
        "interrupted",
    )
    await run.aclose()  # idempotent
    assert len(await messages_of(app, conversation_id)) == 2  # stored once


async def test_registry_cancel_stops_a_local_run(app: FastAPI) -> None:
    agent = await create_agent(app)
    registry = RunRegistry(app.state.settings, None)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("x"), pause, text("y")]])
    run = start(app, agent, model, "Hi", registry=registry)
    events: list[object] = []
    async with run:
        async for event in run:
            events.append(event)
            if isinstance(event, ContentDelta):
                await pause.reached.wait()
                assert await registry.cancel(conversation_of(events))  # type: ignore[arg-type]
    assert isinstance(events[-1], MessageComplete) and events[-1].status == "interrupted"
    assert not registry.is_running(conversation_of(events))  # type: ignore[arg-type]


async def test_cancel_published_by_another_worker_stops_the_run(app: FastAPI) -> None:
    if app.state.redis is None:
        pytest.skip("needs Redis (TEST_REDIS_URL)")
    agent = await create_agent(app)
    here = RunRegistry(app.state.settings, app.state.redis)
    elsewhere = RunRegistry(app.state.settings, app.state.redis)
    await here.start()
    await asyncio.wait_for(here.subscribed(), 10)
    try:
        pause = Pause(asyncio.Event())
        model = ScriptedModel([[text("x"), pause, text("y")]])
        run = start(app, agent, model, "Hi", registry=here)
        events: list[object] = []
        async with run:
            async for event in run:
                events.append(event)
                if isinstance(event, ContentDelta):
                    await pause.reached.wait()
                    conversation_id = conversation_of(events)  # type: ignore[arg-type]
                    # The other worker does not hold the run, and cannot start a second one.
                    assert not await elsewhere.claim(conversation_id, lambda: None)
                    assert await elsewhere.cancel(conversation_id) is False
        assert isinstance(events[-1], MessageComplete) and events[-1].status == "interrupted"
        # Released: now anyone may run it.
        assert await elsewhere.claim(conversation_of(events), lambda: None)  # type: ignore[arg-type]
        await elsewhere.release(conversation_of(events))  # type: ignore[arg-type]
    finally:
        await here.stop()
