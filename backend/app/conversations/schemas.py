"""Conversation wire schemas: ConversationPublic / ConversationsPublic / MessagePublic / ..."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ConversationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    agent_id: uuid.UUID
    channel: str
    title: str
    metadata: dict[str, Any] = Field(validation_alias="conversation_metadata")
    created_at: datetime
    updated_at: datetime


class ConversationsPublic(BaseModel):
    items: list[ConversationPublic]
    total: int
    limit: int
    offset: int


class MessagePublic(BaseModel):
    """One stored message. `metadata` holds usage, model, latency_ms, ttft_ms, cost_usd for
    assistant messages and tool_name, is_error, latency_ms, result for tool messages."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    role: str
    content: str
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None
    status: str
    metadata: dict[str, Any] = Field(validation_alias="message_metadata")
    created_at: datetime


class MessagesPublic(BaseModel):
    items: list[MessagePublic]
    total: int
    limit: int
    offset: int
