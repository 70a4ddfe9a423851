"""A database outage while the agent answers: the streamed answer is stored once the database
is back, stored exactly once, and the history never has two user messages in a row."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.llm.messages import AssistantMessage, UserMessage
from app.llm.testing import Pause, ScriptedModel, text
from app.runs.events import ContentDelta, ConversationStarted, MessageComplete, RunError, RunEvent
from app.runs.runner import AgentRun, run_agent
from app.runs.turn_store import NO_ANSWER_STORED, unsaved_answers
from tests.faults import database_down
from tests.runs.helpers import create_agent, messages_of


def start(
    app: FastAPI,
    agent: Agent,
    model: ScriptedModel,
    user_text: str,
    *,
    conversation_id: uuid.UUID | None = None,
    grace_s: float = 30.0,
    sessionmaker: Callable[[], AsyncSession] | None = None,
) -> AgentRun:
    return run_agent(
        sessionmaker=sessionmaker or app.state.sessionmaker,  # type: ignore[arg-type]
        agent=agent,
        model=model,
        tools=[],
        user_text=user_text,
        conversation_id=conversation_id,
        db_retry_grace_s=grace_s,
    )


async def collect(run: AgentRun) -> list[RunEvent]:
    async with run:
        return [event async for event in run]


def conversation_of(events: list[RunEvent]) -> uuid.UUID:
    return next(e.conversation_id for e in events if isinstance(e, ConversationStarted))


async def streaming(pause: Pause, consumer: asyncio.Task[Any]) -> None:
    """Wait until the model stream reaches `pause`; fail (not hang) if the run ends first."""
    reached = asyncio.create_task(pause.reached.wait())
    await asyncio.wait({reached, consumer}, return_when=asyncio.FIRST_COMPLETED)
    if not reached.done():
        reached.cancel()
        raise AssertionError(f"the run ended before streaming: {consumer.result()}")


def roles(rows: list[Any]) -> list[tuple[str, str, str]]:
    return [(m.role, m.content, m.status) for m in rows]


def assert_no_two_user_messages_in_a_row(rows: list[Any]) -> None:
    pairs = itertools.pairwise(rows)
    assert not any(a.role == b.role == "user" for a, b in pairs), roles(rows)


async def run_with_outage_mid_stream(
    app: FastAPI, agent: Agent, *, failures: int | None, grace_s: float
) -> tuple[list[RunEvent], int]:
    """Stream "Hello", take the database down before the answer is stored, and let it fail
    `failures` statements (None: until the run is over)."""
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("Hel"), pause, text("lo")]])
    run = start(app, agent, model, "Hi", grace_s=grace_s)
    async with run:
        events: list[RunEvent] = []

        async def consume() -> None:
            events.extend([event async for event in run])

        consumer = asyncio.create_task(consume())
        await streaming(pause, consumer)  # the user message is stored; the answer streams
        with database_down(app.state.engine, calls=failures) as fault:
            pause.event.set()
            await consumer
    return events, fault.failed


async def test_an_answer_streamed_during_an_outage_is_stored_when_the_database_is_back(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    events, failed = await run_with_outage_mid_stream(app, agent, failures=3, grace_s=30.0)

    assert failed == 3  # the write really hit the outage, and was retried past it
    assert [e.delta for e in events if isinstance(e, ContentDelta)] == ["Hel", "lo"]
    done = events[-1]
    assert isinstance(done, MessageComplete) and done.status == "complete"
    stored = await messages_of(app, conversation_of(events))
    assert roles(stored) == [("user", "Hi", "complete"), ("assistant", "Hello", "complete")]
    assert stored[1].id == done.message_id


async def test_past_the_grace_period_the_next_turn_stores_the_kept_answer_first(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    events, _ = await run_with_outage_mid_stream(app, agent, failures=None, grace_s=0.0)
    error = events[-1]
    assert isinstance(error, RunError)
    assert (error.code, error.retryable) == ("database_unavailable", True)
    conversation_id = conversation_of(events)
    # What was stored is consistent: the user message, stored before the model was called.
    assert roles(await messages_of(app, conversation_id)) == [("user", "Hi", "complete")]

    model = ScriptedModel([[text("Sunny.")]])
    next_turn = await collect(
        start(app, agent, model, "And tomorrow?", conversation_id=conversation_id)
    )
    assert isinstance(next_turn[-1], MessageComplete)
    stored = await messages_of(app, conversation_id)
    assert roles(stored) == [
        ("user", "Hi", "complete"),
        ("assistant", "Hello", "interrupted"),
        ("user", "And tomorrow?", "complete"),
        ("assistant", "Sunny.", "complete"),
    ]
    assert [m.seq for m in stored] == [1, 2, 3, 4]
    # The model saw the same consistent history.
    seen = [m for m in model.calls[0].messages if isinstance(m, UserMessage | AssistantMessage)]
    assert [type(m).__name__ for m in seen] == [
        "UserMessage",
        "AssistantMessage",
        "UserMessage",
    ]
    assert seen[1].content == "Hello"


async def test_an_answer_lost_with_its_worker_leaves_a_placeholder_not_two_user_messages(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    events, _ = await run_with_outage_mid_stream(app, agent, failures=None, grace_s=0.0)
    conversation_id = conversation_of(events)
    unsaved_answers.take(conversation_id)  # as if the worker restarted meanwhile

    model = ScriptedModel([[text("Sunny.")]])
    await collect(start(app, agent, model, "Still there?", conversation_id=conversation_id))
    stored = await messages_of(app, conversation_id)
    assert roles(stored) == [
        ("user", "Hi", "complete"),
        ("assistant", NO_ANSWER_STORED, "error"),
        ("user", "Still there?", "complete"),
        ("assistant", "Sunny.", "complete"),
    ]
    assert_no_two_user_messages_in_a_row(stored)


async def test_the_user_message_is_not_sent_to_the_model_when_it_cannot_be_stored(
    app: FastAPI,
) -> None:
    agent = await create_agent(app)
    model = ScriptedModel([[text("never")]])
    with database_down(app.state.engine):
        events = await collect(start(app, agent, model, "Hi", grace_s=0.0))
    assert isinstance(events[-1], RunError) and events[-1].code == "database_unavailable"
    assert model.calls == []  # stored before shown: nothing stored, nothing asked


@pytest.mark.parametrize("landed", [True, False])
async def test_a_commit_whose_connection_dropped_is_stored_exactly_once(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, landed: bool
) -> None:
    """The connection drops during COMMIT: either after the database committed (the
    acknowledgement is lost) or before. Either way the answer ends up stored, once."""
    agent = await create_agent(app)
    dialect = app.state.engine.dialect
    commit = dialect.do_commit
    drops = 0

    def dropping_commit(dbapi_connection: Any) -> None:
        nonlocal drops
        if drops > 0:
            drops -= 1
            if landed:
                commit(dbapi_connection)
            else:
                dialect.do_rollback(dbapi_connection)
            raise dialect.loaded_dbapi.OperationalError("disk I/O error: connection lost")
        commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", dropping_commit)
    pause = Pause(asyncio.Event())
    model = ScriptedModel([[text("Hel"), pause, text("lo")]])
    run = start(app, agent, model, "Hi")
    async with run:
        consumer = asyncio.create_task(collect_events(run))
        await streaming(pause, consumer)
        drops = 1  # the answer's commit is the next one
        pause.event.set()
        events = await consumer
    assert drops == 0
    assert isinstance(events[-1], MessageComplete), events[-1]
    stored = await messages_of(app, conversation_of(events))
    assert roles(stored) == [("user", "Hi", "complete"), ("assistant", "Hello", "complete")]


async def collect_events(run: AgentRun) -> list[RunEvent]:
    return [event async for event in run]
