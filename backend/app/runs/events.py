"""RunEvents: what `run_agent` yields, independent of any transport.

The playground turns each one into a WebSocket frame of the same name (DESIGN.md, "The run
loop and its events"); the public API and the widget consume the same iterator.

A turn always ends with exactly one of `MessageComplete` (status complete or interrupted) or
`RunError`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class TurnUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class ConversationStarted(BaseModel):
    type: Literal["conversation_started"] = "conversation_started"
    conversation_id: uuid.UUID
    created: bool


class ContentDelta(BaseModel):
    type: Literal["content_delta"] = "content_delta"
    delta: str


class ToolUseStart(BaseModel):
    type: Literal["tool_use_start"] = "tool_use_start"
    tool_call_id: str
    tool_name: str
    input: dict[str, Any]


class ToolUseComplete(BaseModel):
    type: Literal["tool_use_complete"] = "tool_use_complete"
    tool_call_id: str
    tool_name: str
    result: Any
    is_error: bool
    latency_ms: float


class MessageComplete(BaseModel):
    """The turn is over: totals over every model call the turn made."""

    type: Literal["message_complete"] = "message_complete"
    message_id: uuid.UUID
    status: Literal["complete", "interrupted"] = "complete"
    usage: TurnUsage
    cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None


class RunError(BaseModel):
    """The turn failed; `code` is stable (provider_auth_failed, max_turns_reached, ...)."""

    type: Literal["error"] = "error"
    code: str
    message: str
    retryable: bool = False


RunEvent = Annotated[
    ConversationStarted
    | ContentDelta
    | ToolUseStart
    | ToolUseComplete
    | MessageComplete
    | RunError,
    Field(discriminator="type"),
]
