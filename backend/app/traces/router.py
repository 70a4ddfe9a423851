"""GET /api/v1/conversations/{id}/traces: the conversation's execution traces, by run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.conversations.router import ConversationDep
from app.database import SessionDep
from app.traces import service
from app.traces.schemas import TracesPublic
from app.validation import Offset

router = APIRouter(tags=["traces"])


@router.get("/api/v1/conversations/{conversation_id}/traces", response_model=TracesPublic)
async def list_traces(
    conversation: ConversationDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Runs per page")] = 20,
    offset: Offset = 0,
) -> TracesPublic:
    """A page of the conversation's runs, newest first, each with its model and tool calls
    nested under it (`children`)."""
    return await service.conversation_traces(session, conversation, limit=limit, offset=offset)
