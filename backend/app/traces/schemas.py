"""Trace wire schemas: TracePublic (one row), TraceNode (with children), TracesPublic (a page
of runs)."""

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
    """A page of the conversation's runs, newest first, each with its llm_call and tool_call
    spans nested under it (`children`, by start time); every row appears once. `total` counts
    runs: a run's number in the conversation is `total - offset - index`, unchanged by runs
    added while paging (a page asked for later may then repeat runs, never skip one)."""

    items: list[TraceNode]
    total: int
    limit: int
    offset: int
