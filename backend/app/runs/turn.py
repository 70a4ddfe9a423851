"""One user turn: the loop of model calls and tool calls, and its cleanup after a cancel.

`Turn.run()` emits RunEvents through a callback; app.runs.runner wraps it into the async
iterator callers use. Storage goes through app.runs.turn_store.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agents.models import Agent
from app.conversations import service as conversations
from app.conversations.models import Conversation
from app.conversations.models import Message as StoredMessage
from app.llm.base import Finish, Model, ModelSettings, TextDelta, ToolCall, ToolSpec, Usage
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
    RunError,
    RunEvent,
    ToolUseComplete,
    ToolUseStart,
)
from app.runs.history import to_model_messages
from app.runs.tool_calls import ToolOutcome, call_tool
from app.runs.turn_store import CostFn, ModelCall, TurnStore, shown_result
from app.tools.base import Tool, ToolResult
from app.traces.langfuse_export import LangfuseExporter
from app.traces.recorder import TurnTrace

CANCELLED_TOOL = "Cancelled: the run was stopped before this tool call finished."


class Turn:
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
        emit: Callable[[RunEvent], None],
        cancel: Callable[[], None],
        started: float,
        retry_grace_s: float = 30.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._agent_id = agent.id
        self._workspace_id = agent.workspace_id
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
        self._emit = emit
        self._cancel = cancel
        self._started = started
        self._retry_grace_s = retry_grace_s
        self.conversation_id: uuid.UUID | None = None
        self._store: TurnStore | None = None

    async def run(self) -> None:
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
            conversation.id, self._cancel
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
            await self._claimed(conversation, created)
        except asyncio.CancelledError:
            await self._store_interrupted()
            raise
        finally:
            if self._registry is not None:
                await self._registry.release(conversation.id)

    async def gone_error(self) -> RunError:
        """The error for a write that found its conversation deleted mid-run."""
        async with self._sessionmaker() as session:
            agent = await session.get(Agent, self._agent_id)
        if agent is None:
            return RunError(
                code="not_found:agent", message="The agent was deleted while it was answering"
            )
        return RunError(
            code="not_found:conversation",
            message="The conversation was deleted while the agent was answering",
        )

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

    async def _claimed(self, conversation: Conversation, created: bool) -> None:
        stored: list[StoredMessage] = []
        if not created:
            async with self._sessionmaker() as session:
                stored = await conversations.stored_messages(session, conversation.id)
        messages = to_model_messages(self._system_prompt, stored)
        trace = TurnTrace(
            conversation.id,
            name=self._agent_name or "run",
            input={"message": self._user_text},
            exporter=self._exporter,
            workspace_id=self._workspace_id,
            secrets=self._secrets,
            metadata={"agent_id": str(self._agent_id), "conversation_id": str(conversation.id)},
        )
        store = self._store = TurnStore(
            self._sessionmaker,
            trace,
            self._model,
            self._cost,
            self._started,
            retry_grace_s=self._retry_grace_s,
        )
        next_seq = stored[-1].seq + 1 if stored else 1
        # A user message still waiting for its answer: a turn cut off by an outage or a crash.
        unanswered = bool(stored) and stored[-1].role == "user"
        gap = await store.store_user(
            conversation, created, self._user_text, next_seq, unanswered=unanswered
        )
        self._emit(ConversationStarted(conversation_id=conversation.id, created=created))
        if gap is not None:
            messages.append(AssistantMessage(content=gap.content))
        messages.append(UserMessage(content=self._user_text))
        await self._loop(store, messages)

    async def _loop(self, store: TurnStore, messages: list[Message]) -> None:
        specs = [tool.spec() for tool in self._tools.values()]
        new_from = len(messages) - 1  # what each call adds to the conversation, for its trace
        for call_number in range(1, self._max_turns + 1):
            call = await self._call_model(store, messages, specs, new_from)
            if call is None:
                return  # a provider error ended the turn
            messages.append(
                AssistantMessage(
                    content=call.text,
                    tool_calls=[
                        ToolCallRequest.model_validate(c.model_dump(exclude={"type"}))
                        for c in call.tool_calls
                    ],
                )
            )
            if not call.tool_calls:
                store.answered = True
                await store.finish(error=None)
                self._emit(store.message_complete("complete"))
                return
            new_from = len(messages)
            if call_number == self._max_turns:
                await self._refuse_tools(store, call.tool_calls)
                message = (
                    f"The agent stopped after {self._max_turns} model calls without a final "
                    "answer (max_turns). Raise model_config.max_turns or simplify the request."
                )
                await store.finish(error=f"max_turns_reached: {message}")
                self._emit(RunError(code="max_turns_reached", message=message))
                return
            messages.extend(await self._run_tools(store, call.tool_calls))

    async def _call_model(
        self, store: TurnStore, messages: list[Message], specs: list[ToolSpec], new_from: int
    ) -> ModelCall | None:
        call = store.start_model_call(
            {
                "messages": [m.model_dump(mode="json") for m in messages[new_from:]],
                "history_length": new_from,
                "tools": [spec.name for spec in specs],
            }
        )
        try:
            stream = self._model.stream(messages, specs, self._settings)
            async with _closing(stream):
                async for event in stream:
                    if isinstance(event, TextDelta):
                        if event.text:
                            store.first_token(call)
                            call.parts.append(event.text)
                            self._emit(ContentDelta(delta=event.text))
                    elif isinstance(event, ToolCall):
                        store.first_token(call)
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
            await store.store_model_call(call, status="error", error=exc)
            await store.finish(error=f"{exc.code}: {exc.message}")
            self._emit(RunError(code=exc.code, message=exc.message, retryable=exc.retryable))
            return None
        await store.store_model_call(call, status="complete")
        return call

    async def _run_tools(
        self, store: TurnStore, calls: Sequence[ToolCall]
    ) -> list[ToolResultMessage]:
        """Run the calls concurrently; store and report each as it finishes."""
        tasks = []
        for call in calls:
            task = asyncio.create_task(call_tool(call, self._tools), name=f"tool:{call.name}")
            store.start_tool(call, task)
            tasks.append(task)
        results: dict[str, ToolResultMessage] = {}
        for next_done in asyncio.as_completed(tasks):
            outcome = await next_done
            await self._tool_done(store, outcome)
            results[outcome.call.id] = ToolResultMessage(
                tool_call_id=outcome.call.id,
                name=outcome.call.name,
                content=outcome.result.content,
                is_error=outcome.result.is_error,
            )
        # The model sees results in the order it asked for them.
        return [results[call.id] for call in calls]

    async def _tool_done(
        self, store: TurnStore, outcome: ToolOutcome, status: str = "complete"
    ) -> None:
        # The client hears of the result the moment the tool returns; storing it (a commit)
        # follows, and a failed write still ends the turn with an error frame.
        self._emit(
            ToolUseComplete(
                tool_call_id=outcome.call.id,
                tool_name=outcome.call.name,
                result=shown_result(outcome.result),
                is_error=outcome.result.is_error,
                latency_ms=outcome.latency_ms,
            )
        )
        await store.store_tool(outcome, status=status)

    async def _refuse_tools(self, store: TurnStore, calls: Sequence[ToolCall]) -> None:
        """Record why the last call's tools never ran, so the history stays well formed."""
        for call in calls:
            store.start_tool(call, None)
            result = ToolResult(
                content=f"Not run: the agent reached max_turns ({self._max_turns}).", is_error=True
            )
            await self._tool_done(store, ToolOutcome(call, result, 0.0))

    async def _store_interrupted(self) -> None:
        """After a cancel: store the partial answer and cancelled tool calls, close the trace,
        and end the turn with MessageComplete(status=interrupted). Runs inside the cancelled
        task, once; every write is shielded so a second cancel cannot tear it."""
        store = self._store
        if store is None:
            return  # nothing stored yet: the turn ends with a `cancelled` error
        await store.settle()
        if not store.user_stored:
            return
        if store.answered:
            # The answer was stored just before the cancel landed: the turn is complete.
            await store.finish(error=None)
            self._emit(store.message_complete("complete"))
            return
        call = store.model_call
        if call is None and store.last_assistant_id is None:
            call = store.start_model_call({})  # cut off before the model said anything
        if call is not None:
            await store.store_model_call(call, status="interrupted")
        for pending in list(store.pending_tools.values()):
            if pending.task is not None:
                pending.task.cancel()
        for pending in list(store.pending_tools.values()):
            outcome = None
            if pending.task is not None:
                with contextlib.suppress(BaseException):
                    outcome = await pending.task
            if outcome is not None:
                await self._tool_done(store, outcome)  # it finished just before the cancel
            else:
                cancelled = ToolResult(content=CANCELLED_TOOL, is_error=True)
                await self._tool_done(
                    store, ToolOutcome(pending.call, cancelled, 0.0), status="interrupted"
                )
        await store.finish(error="cancelled")
        self._emit(store.message_complete("interrupted"))


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
