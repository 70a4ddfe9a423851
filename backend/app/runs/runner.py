"""The agent loop: `run_agent(...)` is an async iterator of RunEvents for one user turn.

    run = run_agent(sessionmaker=..., agent=agent, model=model, tools=tools, user_text="Hi")
    async with run:                  # leaving the block interrupts a run still going
        async for event in run:      # ContentDelta, ToolUseStart, ..., MessageComplete | RunError
            ...
    run.cancel()                     # from anywhere: stops the model stream and running tools

One turn (app.runs.turn): store the user message, stream the model (forwarding each text delta
as it arrives), run the tool calls it made concurrently (each under its timeout; a failure is an
is_error result the model sees), call the model again with the results, until it answers without
tools or `max_turns` model calls are spent. Every assistant and tool message is stored as it
completes, with its trace row; a cancelled or abandoned turn keeps its partial text as
`interrupted`. While the database is unreachable every write is retried for `db_retry_grace_s`;
past that the turn ends with a retryable `database_unavailable` error (app.runs.turn_store).

The turn runs in its own task feeding a queue, so a cancel (a `cancel` frame, a cancel from
another worker, a dropped socket) interrupts whatever it awaits right then, and the cleanup is
the same code on every path. This module knows nothing of WebSockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agents.models import Agent
from app.database import SERVER_BUSY, is_server_busy
from app.db_errors import DATABASE_UNAVAILABLE, is_database_unavailable
from app.llm.base import Model
from app.llm.pricing import cost_usd
from app.runs.cancel import RunRegistry
from app.runs.events import MessageComplete, RunError, RunEvent
from app.runs.turn import Turn
from app.runs.turn_store import ConversationGone, CostFn
from app.tools.base import Tool
from app.traces.langfuse_export import LangfuseExporter

logger = logging.getLogger(__name__)

_DONE = object()


def run_agent(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    agent: Agent,
    model: Model,
    tools: Sequence[Tool],
    user_text: str,
    conversation_id: uuid.UUID | None = None,
    channel: str = "playground",
    max_turns_default: int = 8,
    registry: RunRegistry | None = None,
    exporter: LangfuseExporter | None = None,
    secrets: Sequence[str] = (),
    cost: CostFn = cost_usd,
    db_retry_grace_s: float = 30.0,
) -> AgentRun:
    """One user turn of `agent` in a new or existing conversation, as an async iterator.

    `conversation_id` must belong to `agent` (else the turn ends with not_found:conversation);
    `registry` refuses a second run on a busy conversation and lets others cancel this one;
    `secrets` are extra values to scrub from trace inputs and outputs.
    """
    run = AgentRun()
    run.turn = Turn(
        sessionmaker=sessionmaker,
        agent=agent,
        model=model,
        tools=tools,
        user_text=user_text,
        conversation_id=conversation_id,
        channel=channel,
        max_turns=int((agent.llm_config or {}).get("max_turns") or max_turns_default),
        registry=registry,
        exporter=exporter,
        secrets=secrets,
        cost=cost,
        emit=run.emit,
        cancel=run.cancel,
        started=time.perf_counter(),
        retry_grace_s=db_retry_grace_s,
    )
    return run


class AgentRun:
    """The iterator side of a turn: a queue the turn's task fills, and its cancel switch."""

    def __init__(self) -> None:
        self.turn: Turn | None = None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._cancel_requested = False
        # The turn's last event waits until the turn has fully wound down (its conversation
        # released), so whoever sees it may start the next turn right away.
        self._final: RunEvent | None = None

    @property
    def conversation_id(self) -> uuid.UUID | None:
        return self.turn.conversation_id if self.turn is not None else None

    def __aiter__(self) -> AgentRun:
        return self

    async def __anext__(self) -> RunEvent:
        if self._task is None and not self._cancel_requested:
            self._task = asyncio.create_task(self._produce(), name="agent-run")
        item = await self._queue.get()
        if item is _DONE:
            self._queue.put_nowait(_DONE)  # later calls end too
            raise StopAsyncIteration
        event: RunEvent = item
        return event

    def cancel(self) -> None:
        """Stop the run now; the iterator then ends with MessageComplete(status=interrupted)
        (or a `cancelled` error if nothing was stored yet)."""
        if self._cancel_requested:
            return
        self._cancel_requested = True
        if self._task is None:
            self._queue.put_nowait(
                RunError(code="cancelled", message="The run was cancelled before it started")
            )
            self._queue.put_nowait(_DONE)
        elif not self._task.done():
            self._task.cancel()

    async def aclose(self) -> None:
        """Interrupt the run if it is still going and wait until its state is stored."""
        if self._task is None or self._task.done():
            return
        self.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def __aenter__(self) -> AgentRun:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def emit(self, event: RunEvent) -> None:
        if isinstance(event, MessageComplete | RunError):
            if self._final is None:
                self._final = event
            return
        self._queue.put_nowait(event)

    async def _produce(self) -> None:
        assert self.turn is not None
        try:
            await self.turn.run()
        except asyncio.CancelledError:
            pass  # only cancel() cancels this task, and the turn stored what there was
        except ConversationGone:
            self.emit(await self.turn.gone_error())
        except Exception as exc:
            if is_server_busy(exc):
                logger.warning("run refused: database connection pool exhausted")
                self.emit(RunError(code="server_busy", message=SERVER_BUSY, retryable=True))
            elif is_database_unavailable(exc):
                logger.warning("run ended: database unavailable (%s)", type(exc).__name__)
                self.emit(
                    RunError(
                        code="database_unavailable", message=DATABASE_UNAVAILABLE, retryable=True
                    )
                )
            else:
                logger.error("run failed: %s", type(exc).__name__, exc_info=exc)
                self.emit(RunError(code="internal_error", message="The run failed unexpectedly"))
        finally:
            final = self._final or RunError(code="cancelled", message="The run was cancelled")
            self._queue.put_nowait(final)
            self._queue.put_nowait(_DONE)
