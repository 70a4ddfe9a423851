"""Persistence of one turn: messages and trace rows written at message boundaries.

Every write is one transaction, shielded from cancellation, and marks what it stored only after
the commit; so the cleanup after a cancel knows exactly what is already stored and never stores
anything twice. The store also keeps the turn's totals (usage, cost, time to first token).

A database outage does not lose a turn: a write that finds the database unreachable is retried
with backoff for `retry_grace_s` (DB_RETRY_GRACE_S), so an answer that streamed meanwhile is
stored once the database is back. A retry first checks whether the failed attempt's commit
landed anyway (the connection can drop after the commit), so nothing is stored twice. If the
grace period runs out the turn ends with `database_unavailable`; the answer's text is kept in
this process (`unsaved_answers`) and the next turn of the conversation stores it as
`interrupted` between the unanswered user message and the new one, so the history never has two
user messages in a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import make_transient

from app.conversations import service as conversations
from app.conversations.models import Conversation
from app.conversations.models import Message as StoredMessage
from app.database import utcnow
from app.db_errors import is_database_unavailable
from app.llm.base import Model, ToolCall, Usage
from app.llm.errors import LLMError
from app.runs.events import MessageComplete, TurnUsage
from app.runs.tool_calls import ToolOutcome
from app.storable import storable, storable_text
from app.tools.base import ToolResult
from app.traces.recorder import LLMCallTrace, ToolCallTrace, TurnTrace

logger = logging.getLogger(__name__)

CostFn = Callable[[str, str, int, int], float | None]

_FIRST_RETRY_S = 0.05
_MAX_RETRY_S = 2.0
NO_ANSWER_STORED = "(No answer was stored for this message: the run was cut off.)"


class UnsavedAnswers:
    """Answers that streamed but could not be stored, by conversation, until the next turn
    stores them. Per process and bounded: a restart or another worker falls back to a
    placeholder answer."""

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit
        self._texts: OrderedDict[uuid.UUID, str] = OrderedDict()

    def keep(self, conversation_id: uuid.UUID, text: str) -> None:
        self._texts[conversation_id] = text
        self._texts.move_to_end(conversation_id)
        while len(self._texts) > self._limit:
            self._texts.popitem(last=False)

    def take(self, conversation_id: uuid.UUID) -> str | None:
        return self._texts.pop(conversation_id, None)


unsaved_answers = UnsavedAnswers()


class ConversationGone(Exception):
    """A write hit a foreign key: the conversation (or its agent) was deleted mid-run."""


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


@dataclass
class ModelCall:
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
class PendingTool:
    call: ToolCall
    trace: ToolCallTrace
    task: asyncio.Task[ToolOutcome] | None = None


def shown_result(result: ToolResult) -> Any:
    """What the user is shown of a tool's result: its JSON data, else its text."""
    return result.data if result.data is not None else result.content


class TurnStore:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        trace: TurnTrace,
        model: Model,
        cost: CostFn,
        started: float,
        retry_grace_s: float = 30.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._retry_grace_s = retry_grace_s
        self.trace = trace
        self._model = model
        self._cost = cost
        self._started = started
        self.conversation_id = trace.conversation_id
        self._next_seq = 1
        self._inflight: asyncio.Future[None] | None = None
        self.user_stored = False
        self.answered = False
        self.last_assistant_id: uuid.UUID | None = None
        self.model_call: ModelCall | None = None  # streamed but not yet stored
        self.pending_tools: dict[str, PendingTool] = {}  # started but not yet stored
        self.usage = TurnUsage()
        self._costs: list[float | None] = []
        self.ttft_ms: float | None = None

    # -- what a turn stores -------------------------------------------------------------------

    async def store_user(
        self,
        conversation: Conversation,
        created: bool,
        text: str,
        next_seq: int,
        *,
        unanswered: bool = False,
    ) -> StoredMessage | None:
        """The user message (and, for a new conversation, the conversation) with the run row.

        `unanswered`: the stored history ends with a user message whose answer was never stored
        (an outage, a crashed worker); the answer kept in this process, else a placeholder, is
        stored before the new message and returned, for the model's view of the history."""
        self._next_seq = next_seq
        gap = self._unanswered_gap() if unanswered else None
        user = self._message("user", text)
        run_row = self.trace.run_row

        async def build(session: AsyncSession) -> None:
            if created:
                session.add(_unflushed(conversation))
                await session.flush()
            else:
                await conversations.touch(session, conversation.id)
            if gap is not None:
                session.add(_unflushed(gap))
            session.add(_unflushed(user))
            session.add(_unflushed(run_row))

        try:
            await self._write(build, lambda: setattr(self, "user_stored", True), landed=user.id)
        except Exception:
            if gap is not None and gap.status == "interrupted":
                unsaved_answers.keep(self.conversation_id, gap.content)  # for the next try
            raise
        return gap

    def _unanswered_gap(self) -> StoredMessage:
        kept = unsaved_answers.take(self.conversation_id)
        if kept:
            return self._message(
                "assistant",
                kept,
                status="interrupted",
                metadata={"error": {"code": "database_unavailable", "stored_late": True}},
            )
        return self._message(
            "assistant",
            NO_ANSWER_STORED,
            status="error",
            metadata={"error": {"code": "not_stored", "message": NO_ANSWER_STORED}},
        )

    def start_model_call(self, input: Any) -> ModelCall:
        name = f"{self._model.provider}/{self._model.name}"
        self.model_call = ModelCall(
            self.trace.start_llm_call(name, input=input, model=self._model.name)
        )
        return self.model_call

    def first_token(self, call: ModelCall) -> None:
        if call.ttft_ms is None:
            call.ttft_ms = ms_since(call.started)
            call.first_token_at = utcnow()
        if self.ttft_ms is None:
            self.ttft_ms = ms_since(self._started)

    async def store_model_call(
        self, call: ModelCall, *, status: str, error: LLMError | None = None
    ) -> None:
        usage = call.usage
        cost = self._cost(
            self._model.provider, self._model.name, usage.input_tokens, usage.output_tokens
        )
        self.usage.input_tokens += usage.input_tokens
        self.usage.output_tokens += usage.output_tokens
        self._costs.append(cost)
        # An interrupted call's tool calls never ran: keep only its text.
        tool_calls = [c.model_dump(exclude={"type"}) for c in call.tool_calls]
        if status != "complete":
            tool_calls = []
        metadata: dict[str, Any] = {
            "provider": self._model.provider,
            "model": self._model.name,
            "usage": usage.model_dump(exclude={"type"}),
            "cost_usd": cost,
            "latency_ms": ms_since(call.started),
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
            error=_error_text(status, error),
        )

        def stored() -> None:
            self.model_call = None
            self.last_assistant_id = message.id

        try:
            await self._write(_adding(message, row), stored, landed=message.id)
        except Exception as exc:
            if is_database_unavailable(exc) and call.text:
                unsaved_answers.keep(self.conversation_id, call.text)
            raise

    def start_tool(self, call: ToolCall, task: asyncio.Task[ToolOutcome] | None) -> None:
        trace = self.trace.start_tool_call(call.name, input=call.arguments)
        self.pending_tools[call.id] = PendingTool(call, trace, task)

    async def store_tool(self, outcome: ToolOutcome, *, status: str = "complete") -> Any:
        """Store the tool message; returns what the user is shown (data, else the text)."""
        pending = self.pending_tools[outcome.call.id]
        result = outcome.result
        shown = shown_result(result)
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
        await self._write(
            _adding(message, row),
            lambda: self.pending_tools.pop(outcome.call.id, None),
            landed=message.id,
        )
        return shown

    async def finish(self, *, error: str | None) -> None:
        """Close the run trace row with the turn's totals."""
        values: dict[str, Any] = {
            "message_id": self.last_assistant_id,
            "output": {"usage": self.usage.model_dump(), "message_id": str(self.last_assistant_id)},
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "cost_usd": self._total_cost(partial_ok=True),
            "ttft_ms": self.ttft_ms,
            "error": error,
        }

        async def build(session: AsyncSession) -> None:
            await self.trace.finish(session, **values)

        await self._write(build, lambda: None)

    def message_complete(self, status: str) -> MessageComplete:
        assert self.last_assistant_id is not None
        return MessageComplete(
            message_id=self.last_assistant_id,
            status="complete" if status == "complete" else "interrupted",
            usage=self.usage.model_copy(),
            cost_usd=self._total_cost(partial_ok=False),
            latency_ms=ms_since(self._started),
            ttft_ms=self.ttft_ms,
        )

    async def settle(self) -> None:
        """Wait for a write a cancel interrupted the wait for (it still lands, shielded)."""
        if self._inflight is not None:
            with contextlib.suppress(Exception):
                await self._inflight

    # -- helpers ------------------------------------------------------------------------------

    def _total_cost(self, *, partial_ok: bool) -> float | None:
        known = [c for c in self._costs if c is not None]
        if not known or (not partial_ok and len(known) != len(self._costs)):
            return None
        return round(sum(known), 8)

    def _message(self, role: str, content: str, **fields: Any) -> StoredMessage:
        # Model replies and tool results may hold what the database refuses (NUL, a lone
        # surrogate): stored with U+FFFD instead of failing the turn.
        message = conversations.new_message(
            self.conversation_id,
            self._next_seq,
            role,
            storable_text(content),
            **{k: storable(v) for k, v in fields.items()},
        )
        self._next_seq += 1
        return message

    async def _write(
        self,
        build: Callable[[AsyncSession], Awaitable[None]],
        committed: Callable[[], object],
        *,
        landed: uuid.UUID | None = None,
    ) -> None:
        """One transaction, retried while the database is unreachable (see the module doc).
        `landed`: the id of a message the write inserts, to tell whether a failed attempt's
        commit reached the database after all."""

        async def attempt(retry: bool) -> None:
            async with self._sessionmaker() as session:
                if retry and landed is not None:
                    stored = await session.get(StoredMessage, landed)
                    if stored is not None:
                        return
                await build(session)
                await session.commit()

        async def run() -> None:
            deadline = time.monotonic() + self._retry_grace_s
            delay = _FIRST_RETRY_S
            retry = False
            while True:
                try:
                    await attempt(retry)
                    break
                except IntegrityError as exc:
                    raise ConversationGone() from exc
                except Exception as exc:
                    if not is_database_unavailable(exc) or time.monotonic() + delay > deadline:
                        raise
                    if not retry:
                        logger.warning(
                            "database unavailable (%s); retrying a run's write for up to %ss",
                            type(exc).__name__,
                            self._retry_grace_s,
                        )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _MAX_RETRY_S)
                    retry = True
            committed()

        task = asyncio.ensure_future(run())
        self._inflight = task
        await asyncio.shield(task)
        self._inflight = None


def _adding(*rows: object) -> Callable[[AsyncSession], Awaitable[None]]:
    async def build(session: AsyncSession) -> None:
        session.add_all([_unflushed(row) for row in rows])

    return build


def _unflushed(row: Any) -> Any:
    """A row to INSERT again. After a failed COMMIT SQLAlchemy keeps the rows it flushed as
    detached with their identity, as if stored; re-added like that they would be skipped.
    (Whether that commit landed is checked before a retry, see _write.)"""
    if inspect(row).detached:
        make_transient(row)
    return row


def _error_text(status: str, error: LLMError | None) -> str | None:
    if error is not None:
        return f"{error.code}: {error.message}"
    return None if status == "complete" else "cancelled"
