"""The agent loop: `run_agent(...)` is an async iterator of RunEvents for one user turn.

    run = run_agent(sessionmaker=..., agent=agent, model=model, tools=tools, user_text="Hi")
    async for event in run:          # ContentDelta, ToolUseStart, ..., MessageComplete | RunError
        ...
    run.cancel()                     # from anywhere: stops the model stream and running tools
    await run.aclose()               # always: a consumer that goes away interrupts the run

One turn: store the user message, stream the model (forwarding each text delta as it arrives),
run the tool calls it made concurrently (each under its timeout; a failure is an is_error result
the model sees), call the model again with the results, until it answers without tools or
`max_turns` model calls are spent. Every assistant and tool message is stored as it completes,
with its trace row; a cancelled or abandoned turn keeps its partial text as `interrupted`.

The work runs in its own task feeding a queue, so cancelling it (a `cancel` frame, a cancel
from another worker, a dropped socket) interrupts whatever it awaits right then, and its
cleanup is the same code on every path. This module knows nothing of WebSockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agents.models import Agent
from app.conversations import service as conversations
from app.conversations.models import Conversation
from app.conversations.models import Message as StoredMessage
from app.database import utcnow
from app.llm.base import Finish, Model, ModelSettings, TextDelta, ToolCall, Usage
from app.llm.errors import LLMError
from app.llm.messages import (
    AssistantMessage,
    Message,
    ToolCallRequest,
    ToolResultMessage,
    UserMessage,
)
from app.runs.cancel import RunRegistry
from app.runs.events import (
    ContentDelta,
    ConversationStarted,
    MessageComplete,
    RunError,
    RunEvent,
    ToolUseComplete,
    ToolUseStart,
    TurnUsage,
)
from app.runs.history import to_model_messages
from app.runs.tool_calls import ToolOutcome, call_tool
from app.tools.base import Tool, ToolResult
from app.traces.langfuse_export import LangfuseExporter
from app.traces.recorder import LLMCallTrace, ToolCallTrace, TurnTrace

logger = logging.getLogger(__name__)

CostFn = Callable[[str, str, int, int], float | None]
CANCELLED_TOOL = "Cancelled: the run was stopped before this tool call finished."


class _ConversationGone(Exception):
    """A write hit a foreign key: the conversation (or its agent) was deleted mid-run."""


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
    cost: CostFn | None = None,
) -> AgentRun:
    """One user turn of `agent` in a new or existing conversation, as an async iterator.

    `conversation_id` must belong to `agent` (else the turn ends with not_found:conversation).
    `secrets` are values to scrub from trace inputs and outputs.
    """
    return AgentRun(
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
        cost=cost or _default_cost,
    )


def _default_cost(provider: str, model: str, input_tokens: int, output_tokens: int) -> float | None:
    try:
        from app.llm.pricing import cost_usd
    except ImportError:
        return None
    result: float | None = cost_usd(provider, model, input_tokens, output_tokens)
    return result


_DONE = object()


@dataclass
class _ModelCall:
    """The model call being streamed: what has arrived so far."""

    trace: LLMCallTrace
    started: float = field(default_factory=time.perf_counter)
    parts: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    ttft_ms: float | None = None
    first_token_at: datetime | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _PendingTool:
    call: ToolCall
    trace: ToolCallTrace
    task: asyncio.Task[ToolOutcome] | None = None


class AgentRun:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        agent: Agent,
        model: Model,
        tools: Sequence[Tool],
        user_text: str,
        conversation_id: uuid.UUID | None,
        channel: str,
        max_turns: int,
        registry: RunRegistry | None,
        exporter: LangfuseExporter | None,
        secrets: Sequence[str],
        cost: CostFn,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._agent_id = agent.id
        self._agent_name = agent.name
        self._system_prompt = agent.system_prompt
        config = agent.llm_config or {}
        self._settings = ModelSettings(
            temperature=config.get("temperature"),
            max_tokens=config.get("max_tokens"),
            top_p=config.get("top_p"),
        )
        self._model = model
        self._tools = {tool.name: tool for tool in tools}
        self._user_text = user_text
        self._requested_conversation = conversation_id
        self._channel = channel
        self._max_turns = max_turns
        self._registry = registry
        self._exporter = exporter
        self._secrets = secrets
        self._cost = cost

        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._cancel_requested = False

        # Turn state, also read by the cleanup after a cancel.
        self.conversation_id: uuid.UUID | None = None
        self._started = time.perf_counter()
        self._trace: TurnTrace | None = None
        self._next_seq = 1
        self._user_stored = False
        self._last_assistant_id: uuid.UUID | None = None
        self._model_call: _ModelCall | None = None
        self._pending_tools: dict[str, _PendingTool] = {}
        self._inflight: asyncio.Future[None] | None = None
        self._usage = TurnUsage()
        self._costs: list[float | None] = []
        self._ttft_ms: float | None = None
        self._answered = False
        self._ended = False

    # -- the iterator -------------------------------------------------------------------------

    def __aiter__(self) -> AgentRun:
        return self

    async def __anext__(self) -> RunEvent:
        if self._task is None:
            self._task = asyncio.create_task(self._produce(), name="agent-run")
        item = await self._queue.get()
        if item is _DONE:
            self._queue.put_nowait(_DONE)  # later calls end too
            raise StopAsyncIteration
        event: RunEvent = item
        return event

    def cancel(self) -> None:
        """Stop the run now; the iterator then ends with MessageComplete(status=interrupted)."""
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

    def _emit(self, event: RunEvent) -> None:
        if isinstance(event, MessageComplete | RunError):
            self._ended = True
        self._queue.put_nowait(event)

    async def _produce(self) -> None:
        try:
            await self._turn()
        except asyncio.CancelledError:
            pass  # only cancel() cancels this task; _turn stored what there was
        except _ConversationGone:
            self._emit(
                RunError(
                    code="not_found:conversation",
                    message="The conversation was deleted while the agent was answering",
                )
            )
        except Exception as exc:
            logger.error("run failed: %s", type(exc).__name__, exc_info=exc)
            self._emit(RunError(code="internal_error", message="The run failed unexpectedly"))
        finally:
            if not self._ended:
                self._emit(RunError(code="cancelled", message="The run was cancelled"))
            self._queue.put_nowait(_DONE)

    # -- the turn -----------------------------------------------------------------------------

    async def _turn(self) -> None:
        conversation, created = await self._resolve_conversation()
        if conversation is None:
            self._emit(
                RunError(
                    code="not_found:conversation",
                    message=f"Conversation not found: {self._requested_conversation}",
                )
            )
            return
        self.conversation_id = conversation.id
        if self._registry is not None and not await self._registry.claim(
            conversation.id, self.cancel
        ):
            self._emit(
                RunError(
                    code="run_in_progress",
                    message="This conversation is already answering a message; wait for it "
                    "to finish or cancel it",
                    retryable=True,
                )
            )
            return
        try:
            await self._claimed_turn(conversation, created)
        except asyncio.CancelledError:
            await self._store_interrupted()
            raise
        finally:
            if self._registry is not None:
                await self._registry.release(conversation.id)

    async def _resolve_conversation(self) -> tuple[Conversation | None, bool]:
        if self._requested_conversation is None:
            return (
                conversations.new_conversation(self._agent_id, self._user_text, self._channel),
                True,
            )
        async with self._sessionmaker() as session:
            found = await conversations.find_agent_conversation(
                session, self._agent_id, self._requested_conversation
            )
        return found, False

    async def _claimed_turn(self, conversation: Conversation, created: bool) -> None:
        stored: list[StoredMessage] = []
        if not created:
            async with self._sessionmaker() as session:
                stored = await conversations.stored_messages(session, conversation.id)
        messages = to_model_messages(self._system_prompt, stored)
        self._next_seq = stored[-1].seq + 1 if stored else 1
        self._trace = TurnTrace(
            conversation.id,
            name=self._agent_name or "run",
            input={"message": self._user_text},
            exporter=self._exporter,
            secrets=self._secrets,
            metadata={"agent_id": str(self._agent_id), "conversation_id": str(conversation.id)},
        )
        user = self._message("user", self._user_text)
        run_row = self._trace.run_row

        async def store_user(session: AsyncSession) -> None:
            if created:
                session.add(conversation)
                await session.flush()
            else:
                await conversations.touch(session, conversation.id)
            session.add(user)
            session.add(run_row)

        await self._write(store_user, lambda: setattr(self, "_user_stored", True))
        self._emit(ConversationStarted(conversation_id=conversation.id, created=created))
        messages.append(UserMessage(content=self._user_text))
        await self._loop(messages)

    async def _loop(self, messages: list[Message]) -> None:
        specs = [tool.spec() for tool in self._tools.values()]
        new_from = len(messages) - 1  # what each call adds to the conversation, for its trace
        for call_number in range(1, self._max_turns + 1):
            call = await self._call_model(messages, specs, new_from)
            if call is None:
                return  # a provider error ended the turn
            messages.append(
                AssistantMessage(
                    content=call.text,
                    tool_calls=[
                        ToolCallRequest(id=c.id, name=c.name, arguments=c.arguments)
                        for c in call.tool_calls
                    ],
                )
            )
            if not call.tool_calls:
                self._answered = True
                await self._finish(error=None)
                self._emit(self._message_complete("complete"))
                return
            new_from = len(messages)
            if call_number == self._max_turns:
                await self._refuse_tools(call.tool_calls)
                message = (
                    f"The agent stopped after {self._max_turns} model calls without a final "
                    "answer (max_turns). Raise model_config.max_turns or simplify the request."
                )
                await self._finish(error=f"max_turns_reached: {message}")
                self._emit(RunError(code="max_turns_reached", message=message))
                return
            messages.extend(await self._run_tools(call.tool_calls))

    # -- one model call -----------------------------------------------------------------------

    async def _call_model(
        self, messages: list[Message], specs: Sequence[Any], new_from: int
    ) -> _ModelCall | None:
        assert self._trace is not None
        trace = self._trace.start_llm_call(
            f"{self._model.provider}/{self._model.name}",
            input={
                "messages": [m.model_dump(mode="json") for m in messages[new_from:]],
                "history_length": new_from,
                "tools": [spec.name for spec in specs],
            },
            model=self._model.name,
        )
        call = self._model_call = _ModelCall(trace)
        try:
            stream = self._model.stream(messages, specs, self._settings)
            async with _closing(stream):
                async for event in stream:
                    if isinstance(event, TextDelta):
                        if event.text:
                            self._first_token(call)
                            call.parts.append(event.text)
                            self._emit(ContentDelta(delta=event.text))
                    elif isinstance(event, ToolCall):
                        self._first_token(call)
                        call.tool_calls.append(event)
                        self._emit(
                            ToolUseStart(
                                tool_call_id=event.id, tool_name=event.name, input=event.arguments
                            )
                        )
                    elif isinstance(event, Usage):
                        call.usage = event
                    elif isinstance(event, Finish):
                        call.finish_reason = event.reason
        except LLMError as exc:
            await self._store_model_call(call, status="error", error=exc)
            await self._finish(error=f"{exc.code}: {exc.message}")
            self._emit(RunError(code=exc.code, message=exc.message, retryable=exc.retryable))
            return None
        await self._store_model_call(call, status="complete")
        return call

    def _first_token(self, call: _ModelCall) -> None:
        if call.ttft_ms is None:
            call.ttft_ms = _ms_since(call.started)
            call.first_token_at = utcnow()
        if self._ttft_ms is None:
            self._ttft_ms = _ms_since(self._started)

    async def _store_model_call(
        self, call: _ModelCall, *, status: str, error: LLMError | None = None
    ) -> None:
        latency = _ms_since(call.started)
        usage = call.usage
        cost = self._cost(
            self._model.provider, self._model.name, usage.input_tokens, usage.output_tokens
        )
        self._usage.input_tokens += usage.input_tokens
        self._usage.output_tokens += usage.output_tokens
        self._costs.append(cost)
        # An interrupted call's tool calls never ran: keep only its text.
        tool_calls = [c.model_dump(exclude={"type"}) for c in call.tool_calls]
        if status != "complete":
            tool_calls = []
        metadata = {
            "provider": self._model.provider,
            "model": self._model.name,
            "usage": usage.model_dump(exclude={"type"}),
            "cost_usd": cost,
            "latency_ms": latency,
            "ttft_ms": call.ttft_ms,
            "finish_reason": call.finish_reason,
        }
        if error is not None:
            metadata["error"] = {"code": error.code, "message": error.message}
        message = self._message(
            "assistant", call.text, status=status, tool_calls=tool_calls or None, metadata=metadata
        )
        row = call.trace.finish(
            message_id=message.id,
            output={
                "content": call.text,
                "tool_calls": tool_calls,
                "finish_reason": call.finish_reason,
            },
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
            ttft_ms=call.ttft_ms,
            first_token_at=call.first_token_at,
            error=None if error is None and status == "complete" else _error_text(status, error),
        )

        async def store(session: AsyncSession) -> None:
            session.add(message)
            session.add(row)

        def stored() -> None:
            self._model_call = None
            self._last_assistant_id = message.id

        await self._write(store, stored)

    # -- tools --------------------------------------------------------------------------------

    async def _run_tools(self, calls: Sequence[ToolCall]) -> list[ToolResultMessage]:
        assert self._trace is not None
        for call in calls:
            trace = self._trace.start_tool_call(call.name, input=call.arguments)
            task = asyncio.create_task(call_tool(call, self._tools), name=f"tool:{call.name}")
            self._pending_tools[call.id] = _PendingTool(call, trace, task)
        results: dict[str, ToolResultMessage] = {}
        tasks = [p.task for p in self._pending_tools.values() if p.task is not None]
        for next_done in asyncio.as_completed(tasks):
            outcome = await next_done
            results[outcome.call.id] = await self._store_tool(outcome)
        # The model sees results in the order it asked for them.
        return [results[call.id] for call in calls]

    async def _store_tool(
        self, outcome: ToolOutcome, *, status: str = "complete"
    ) -> ToolResultMessage:
        pending = self._pending_tools[outcome.call.id]
        result = outcome.result
        shown = result.data if result.data is not None else result.content
        metadata: dict[str, Any] = {
            "tool_name": outcome.call.name,
            "is_error": result.is_error,
            "latency_ms": outcome.latency_ms,
            "status_code": result.status_code,
        }
        if result.data is not None:
            metadata["result"] = result.data
        message = self._message(
            "tool", result.content, status=status, tool_call_id=outcome.call.id, metadata=metadata
        )
        row = pending.trace.finish(
            message_id=message.id,
            output=shown,
            latency_ms=outcome.latency_ms,
            error=result.content if result.is_error else None,
        )

        async def store(session: AsyncSession) -> None:
            session.add(message)
            session.add(row)

        await self._write(store, lambda: self._pending_tools.pop(outcome.call.id, None))
        self._emit(
            ToolUseComplete(
                tool_call_id=outcome.call.id,
                tool_name=outcome.call.name,
                result=shown,
                is_error=result.is_error,
                latency_ms=outcome.latency_ms,
            )
        )
        return ToolResultMessage(
            tool_call_id=outcome.call.id,
            name=outcome.call.name,
            content=result.content,
            is_error=result.is_error,
        )

    async def _refuse_tools(self, calls: Sequence[ToolCall]) -> None:
        """Record why the last call's tools never ran, so the history stays well formed."""
        assert self._trace is not None
        for call in calls:
            trace = self._trace.start_tool_call(call.name, input=call.arguments)
            result = ToolResult(
                content=f"Not run: the agent reached max_turns ({self._max_turns}).", is_error=True
            )
            self._pending_tools[call.id] = _PendingTool(call, trace)
            await self._store_tool(ToolOutcome(call, result, 0.0))

    # -- ending the turn ----------------------------------------------------------------------

    def _message_complete(self, status: str) -> MessageComplete:
        assert self._last_assistant_id is not None
        known = [c for c in self._costs if c is not None]
        return MessageComplete(
            message_id=self._last_assistant_id,
            status="complete" if status == "complete" else "interrupted",
            usage=self._usage.model_copy(),
            cost_usd=round(sum(known), 8) if known and len(known) == len(self._costs) else None,
            latency_ms=_ms_since(self._started),
            ttft_ms=self._ttft_ms,
        )

    async def _finish(self, *, error: str | None) -> None:
        """Close the run trace row."""
        assert self._trace is not None
        trace = self._trace
        known = [c for c in self._costs if c is not None]
        values: dict[str, Any] = {
            "message_id": self._last_assistant_id,
            "output": {
                "usage": self._usage.model_dump(),
                "message_id": str(self._last_assistant_id),
            },
            "input_tokens": self._usage.input_tokens,
            "output_tokens": self._usage.output_tokens,
            "cost_usd": round(sum(known), 8) if known else None,
            "ttft_ms": self._ttft_ms,
            "error": error,
        }

        async def store(s: AsyncSession) -> None:
            await trace.finish(s, **values)

        await self._write(store, lambda: None)

    async def _store_interrupted(self) -> None:
        """After a cancel: store the partial answer and cancelled tool calls, close the trace,
        and end the turn with MessageComplete(status=interrupted). Runs inside the cancelled
        task, once; every write is shielded so a second cancel cannot tear it."""
        if self._inflight is not None:
            with contextlib.suppress(Exception):
                await self._inflight
        if not self._user_stored or self._trace is None:
            return  # nothing stored yet: the turn ends with a `cancelled` error
        if self._answered:
            # The answer was stored just before the cancel landed: the turn is complete.
            with contextlib.suppress(_ConversationGone):
                await self._finish(error=None)
            self._emit(self._message_complete("complete"))
            return
        call = self._model_call
        if call is not None:
            await self._store_model_call(call, status="interrupted")
        elif self._last_assistant_id is None:
            call = _ModelCall(
                self._trace.start_llm_call("cancelled", input={}, model=self._model.name)
            )
            await self._store_model_call(call, status="interrupted")
        for pending in list(self._pending_tools.values()):
            if pending.task is not None:
                pending.task.cancel()
        for pending in list(self._pending_tools.values()):
            outcome = None
            if pending.task is not None:
                with contextlib.suppress(BaseException):
                    outcome = await pending.task
            if outcome is None:
                outcome = ToolOutcome(
                    pending.call, ToolResult(content=CANCELLED_TOOL, is_error=True), 0.0
                )
                await self._store_tool(outcome, status="interrupted")
            else:
                await self._store_tool(outcome)
        await self._finish(error="cancelled")
        self._emit(self._message_complete("interrupted"))

    # -- storage ------------------------------------------------------------------------------

    def _message(self, role: str, content: str, **fields: Any) -> StoredMessage:
        assert self.conversation_id is not None
        message = conversations.new_message(
            self.conversation_id, self._next_seq, role, content, **fields
        )
        self._next_seq += 1
        return message

    async def _write(
        self, build: Callable[[AsyncSession], Awaitable[None]], committed: Callable[[], object]
    ) -> None:
        """One transaction, shielded from cancellation: once started it lands (or fails) as a
        whole, and `committed` runs right after the commit, so a cancel arriving meanwhile
        never makes the cleanup store the same thing twice."""

        async def run() -> None:
            try:
                async with self._sessionmaker() as session:
                    await build(session)
                    await session.commit()
            except IntegrityError as exc:
                raise _ConversationGone() from exc
            committed()

        task = asyncio.ensure_future(run())
        self._inflight = task
        await asyncio.shield(task)
        self._inflight = None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _error_text(status: str, error: LLMError | None) -> str:
    if error is not None:
        return f"{error.code}: {error.message}"
    return "cancelled" if status == "interrupted" else status


@contextlib.asynccontextmanager
async def _closing(stream: AsyncIterator[Any]) -> AsyncIterator[None]:
    """Close the provider stream (and its HTTP response) however the loop over it ends."""
    try:
        yield
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
