"""Trace wire schemas: TracePublic, TraceNode (with children), TracesPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TracePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    kind: str = Field(description="run, llm_call or tool_call")
    name: str
    input: Any
    output: Any
    started_at: datetime
    ended_at: datetime | None
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    error: str | None


class TraceNode(TracePublic):
    children: list[TraceNode] = Field(default_factory=list)


class TracesPublic(BaseModel):
    """The conversation's trace rows, flat (`items`, by start time) and as a tree of runs with
    their llm_call and tool_call children (`tree`), for the dashboard timeline."""

    items: list[TracePublic]
    tree: list[TraceNode]
